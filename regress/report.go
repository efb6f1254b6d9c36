package regress

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

func fmtChange(c Check) string {
	s := fmtNum(c.Change)
	if c.Change > 0 {
		s = "+" + s
	}
	if c.Baseline != 0 {
		s += fmt.Sprintf(" (%+.2f%%)", 100*c.Change/abs(c.Baseline))
	}
	return s
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func status(c Check) string {
	switch {
	case c.Failed:
		return "REGRESSION"
	case c.Improved:
		return "improved"
	}
	return "ok"
}

// WriteText prints a table of every case and metric, failures marked.
func WriteText(w io.Writer, cases []Case) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := range cases {
		c := &cases[i]
		verdict := "pass"
		if c.Failed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s  %s on %s (%.2fs)\n", verdict, c.Policy, c.Scenario, c.Seconds)
		if c.New {
			fmt.Fprintln(tw, "  (recorded as the new baseline)")
			continue
		}
		fmt.Fprintln(tw, "  metric\tbaseline\tnow\tchange\tallowed\t")
		for _, ch := range c.Checks {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", ch.Metric, fmtNum(ch.Baseline), fmtNum(ch.Now), fmtChange(ch), fmtNum(ch.Allowed), status(ch))
		}
	}
	return tw.Flush()
}

// Summary counts cases: all, failed.
func Summary(cases []Case) (total, failed int) {
	for i := range cases {
		if cases[i].Failed() {
			failed++
		}
	}
	return len(cases), failed
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// JUnit is JUnit XML: a testsuite per scenario, a testcase per policy.
func JUnit(cases []Case) ([]byte, error) {
	doc := junitSuites{Name: "scalite regress"}
	idx := map[string]int{}
	var seconds []float64 // per suite, formatted into Time at the end
	for i := range cases {
		c := &cases[i]
		k, ok := idx[c.Scenario]
		if !ok {
			k = len(doc.Suites)
			idx[c.Scenario] = k
			doc.Suites = append(doc.Suites, junitSuite{Name: "scenario " + c.Scenario})
			seconds = append(seconds, 0)
		}
		s := &doc.Suites[k]
		var table bytes.Buffer
		_ = WriteText(&table, []Case{*c}) // a bytes.Buffer takes every write
		jc := junitCase{Name: c.Policy, Classname: "scalite.regress." + c.Scenario, Time: strconv.FormatFloat(c.Seconds, 'f', 3, 64), SystemOut: table.String()}
		if c.Failed() {
			var worse []string
			for _, ch := range c.Checks {
				if ch.Failed {
					worse = append(worse, fmt.Sprintf("%s %s -> %s (%s, allowed %s)", ch.Metric, fmtNum(ch.Baseline), fmtNum(ch.Now), fmtChange(ch), fmtNum(ch.Allowed)))
				}
			}
			jc.Failure = &junitFailure{Message: "regression: " + strings.Join(worse, "; "), Type: "regression", Text: table.String()}
			s.Failures++
			doc.Failures++
		}
		s.Tests++
		doc.Tests++
		seconds[k] += c.Seconds
		s.Time = strconv.FormatFloat(seconds[k], 'f', 3, 64)
		s.Cases = append(s.Cases, jc)
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// Markdown is a summary fit for a pull-request comment.
func Markdown(cases []Case, stale []string) []byte {
	var b bytes.Buffer
	total, failed := Summary(cases)
	if failed == 0 {
		fmt.Fprintf(&b, "### Scalite policy regression: all %d cases pass\n\n", total)
	} else {
		fmt.Fprintf(&b, "### Scalite policy regression: %d of %d cases regressed\n\n", failed, total)
	}
	b.WriteString("| policy | scenario | result | cost USD | disrupted participant-min | rejected | recordings lost | availability % |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	cell := func(c *Case, key string) string {
		for _, ch := range c.Checks {
			if ch.Metric == key {
				s := fmt.Sprintf("%s → %s", fmtNum(ch.Baseline), fmtNum(ch.Now))
				if ch.Failed {
					s = "**" + s + "** ❌"
				} else if ch.Improved {
					s += " ✅"
				}
				return s
			}
		}
		return fmtNum(c.Now[key])
	}
	for i := range cases {
		c := &cases[i]
		res := "pass"
		if c.Failed() {
			res = "**regression**"
		} else if c.New {
			res = "new"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Policy, c.Scenario, res,
			cell(c, "policy_cost_usd"), cell(c, "participant_minutes_disrupted"), cell(c, "participants_rejected"), cell(c, "recordings_lost"), cell(c, "availability_pct"))
	}
	if len(stale) > 0 {
		fmt.Fprintf(&b, "\nIn the baseline but no longer in the suite: %s\n", strings.Join(stale, ", "))
	}
	return b.Bytes()
}
