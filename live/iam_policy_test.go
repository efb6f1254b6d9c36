package live_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scalite/scalite/live"
)

// iamPolicy is the part of the IAM JSON policy grammar these checks read
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):
// Action and Resource are a string or a list of strings; Condition maps an
// operator to keys to a string or a list of strings.
type iamPolicy struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Action    stringOrList
		Resource  stringOrList
		Condition map[string]map[string]stringOrList
	}
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stringOrList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func readPolicy(t *testing.T, path string) iamPolicy {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p iamPolicy
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if p.Version != "2012-10-17" || len(p.Statement) == 0 {
		t.Fatalf("%s: version %q, %d statements", path, p.Version, len(p.Statement))
	}
	return p
}

// noSelfComparison: a condition that compares a key with the policy
// variable of the same key is always true (the old agent policy's
// "ec2:SourceInstanceARN": "${ec2:SourceInstanceARN}").
func noSelfComparison(t *testing.T, path string, p iamPolicy) {
	t.Helper()
	for _, st := range p.Statement {
		for op, keys := range st.Condition {
			for key, vals := range keys {
				for _, v := range vals {
					if strings.EqualFold(v, "${"+key+"}") {
						t.Errorf("%s: statement %s: %s compares %s with itself", path, st.Sid, op, key)
					}
				}
			}
		}
	}
}

// TestAgentPolicyTagsOnlyItsOwnInstance: the BBB servers' instance profile
// lets an agent call only ec2:CreateTags, only on the instance the request
// comes from (Resource ${ec2:SourceInstanceARN}: the caller's own ARN, and
// no match at all for credentials used off the instance), only on a fleet
// instance, and only with the tag keys the agent writes.
func TestAgentPolicyTagsOnlyItsOwnInstance(t *testing.T) {
	const path = "../docs/live/iam-agent-policy.json"
	p := readPolicy(t, path)
	noSelfComparison(t, path, p)
	ec2Statements := 0
	for _, st := range p.Statement {
		if st.Effect != "Allow" || !slices.ContainsFunc(st.Action, func(a string) bool { return strings.HasPrefix(a, "ec2:") }) {
			continue // e.g. sns:Publish for notifications
		}
		ec2Statements++
		if !slices.Equal(st.Action, []string{"ec2:CreateTags"}) {
			t.Errorf("statement %s allows %v; the agent needs ec2:CreateTags only", st.Sid, st.Action)
		}
		if !slices.Equal(st.Resource, []string{"${ec2:SourceInstanceARN}"}) {
			t.Errorf("statement %s: resource %v, want only the caller's own instance ${ec2:SourceInstanceARN}", st.Sid, st.Resource)
		}
		if got := st.Condition["StringEquals"]["aws:ResourceTag/scalite:fleet"]; len(got) != 1 {
			t.Errorf("statement %s: not restricted to fleet instances (aws:ResourceTag/scalite:fleet)", st.Sid)
		}
		keys := slices.Sorted(slices.Values(st.Condition["ForAllValues:StringEquals"]["aws:TagKeys"]))
		want := slices.Sorted(slices.Values(live.AgentTagKeys()))
		if !slices.Equal(keys, want) {
			t.Errorf("statement %s: tag keys %v, want exactly the agent's %v", st.Sid, keys, want)
		}
		// ForAllValues is true for a request without tag keys; Null false
		// requires them
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html).
		if got := st.Condition["Null"]["aws:TagKeys"]; !slices.Equal(got, []string{"false"}) {
			t.Errorf("statement %s: aws:TagKeys not required present (Null false)", st.Sid)
		}
	}
	if ec2Statements == 0 {
		t.Fatal("no EC2 statement: the agent cannot tag its instance")
	}
}

// TestControllerPolicyLeaseIsScoped: the controller's DynamoDB rights are
// the three lease calls, on one table, for the fleet's lock item only.
func TestControllerPolicyLeaseIsScoped(t *testing.T) {
	const path = "../docs/live/iam-controller-policy.json"
	p := readPolicy(t, path)
	noSelfComparison(t, path, p)
	found := false
	for _, st := range p.Statement {
		var ddb []string
		for _, a := range st.Action {
			if strings.HasPrefix(a, "dynamodb:") {
				ddb = append(ddb, a)
			}
		}
		if len(ddb) == 0 {
			continue
		}
		found = true
		if want := []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}; !slices.Equal(slices.Sorted(slices.Values(ddb)), want) {
			t.Errorf("statement %s: %v, want %v", st.Sid, ddb, want)
		}
		for _, r := range st.Resource {
			if !strings.HasPrefix(r, "arn:aws:dynamodb:") || !strings.Contains(r, ":table/") || strings.HasSuffix(r, "/*") {
				t.Errorf("statement %s: resource %q is not one table", st.Sid, r)
			}
		}
		if len(st.Condition["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]) == 0 {
			t.Errorf("statement %s: not restricted to the fleet's lock item (dynamodb:LeadingKeys)", st.Sid)
		}
	}
	if !found {
		t.Fatal("no DynamoDB statement for live.lock_table")
	}
}
