package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/regress"
)

// Exit codes of scalite regress.
const (
	regressRegression = 1
	regressInputError = 2
)

func regressCommand() *cli.Command {
	return &cli.Command{
		Name:  "regress",
		Usage: "run a suite of policies on its scenarios and compare with a baseline (exit 0 pass, 1 regression, 2 usage or input error)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "suite", Usage: "suite `FILE` (regress.yaml)"},
			&cli.StringFlag{Name: "baseline", Usage: "baseline `FILE` (baseline.json)"},
			&cli.BoolFlag{Name: "update", Usage: "rewrite the baseline with the current figures"},
			&cli.StringFlag{Name: "junit", Usage: "write JUnit XML to `FILE`"},
			&cli.StringFlag{Name: "markdown", Usage: "write a pull-request summary to `FILE`"},
			catalogFlag,
			&cli.IntFlag{Name: "workers", Usage: "parallel runs per case (default: all cores)"},
		},
		Action: regressAction,
	}
}

func regressAction(c *cli.Context) error {
	inputErr := func(err error) error { return cli.Exit(err.Error(), regressInputError) }
	if c.String("suite") == "" || c.String("baseline") == "" {
		return cli.Exit("usage: scalite regress --suite FILE --baseline FILE [--update] [--junit FILE] [--markdown FILE]", regressInputError)
	}
	suite, err := regress.LoadSuite(c.String("suite"))
	if err != nil {
		return inputErr(err)
	}
	cat, err := loadCatalog(c)
	if err != nil {
		return inputErr(err)
	}
	var base *regress.Baseline
	if !c.Bool("update") {
		if base, err = regress.LoadBaseline(c.String("baseline")); err != nil {
			return inputErr(fmt.Errorf("%w (record one with --update)", err))
		}
	}
	cases, fresh, err := regress.Run(suite, cat, base, c.Int("workers"))
	if err != nil {
		return inputErr(err)
	}
	w := c.App.Writer
	if err := regress.WriteText(w, cases); err != nil {
		return inputErr(err)
	}
	var stale []string
	if base != nil {
		stale = regress.Stale(base, cases)
	}
	if f := c.String("junit"); f != "" {
		x, err := regress.JUnit(cases)
		if err == nil {
			err = atomicfile.Write(f, func(w io.Writer) error { _, err := w.Write(x); return err })
		}
		if err != nil {
			return inputErr(err)
		}
	}
	if f := c.String("markdown"); f != "" {
		md := regress.Markdown(cases, stale)
		if err := atomicfile.Write(f, func(w io.Writer) error { _, err := w.Write(md); return err }); err != nil {
			return inputErr(err)
		}
	}
	if c.Bool("update") {
		body, err := fresh.JSON()
		if err == nil {
			err = atomicfile.Write(c.String("baseline"), func(w io.Writer) error { _, err := w.Write(body); return err })
		}
		if err != nil {
			return inputErr(err)
		}
		fmt.Fprintf(w, "baseline %s updated: %d cases, model %s\n", c.String("baseline"), len(cases), fresh.ModelVersion)
		return nil
	}
	if len(stale) > 0 {
		fmt.Fprintf(w, "note: the baseline has cases the suite no longer runs: %v (drop them with --update)\n", stale)
	}
	total, failed := regress.Summary(cases)
	if failed > 0 {
		fmt.Fprintf(w, "regress: %d cases passed, %d regressed\n", total-failed, failed)
		return cli.Exit(fmt.Sprintf("regress: %d of %d cases regressed", failed, total), regressRegression)
	}
	fmt.Fprintf(w, "regress: %d cases passed, 0 regressed\n", total)
	return nil
}
