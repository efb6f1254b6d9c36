package datasets

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

// TestCSVHeaderSameRulesForEveryReader: the trace, samples and catalog
// readers accept a header the same way (trimmed, any case, a byte-order
// mark) and reject a missing column naming the file, the header's line
// (after comment lines) and the column.
func TestCSVHeaderSameRulesForEveryReader(t *testing.T) {
	trace := func(text string) error { _, err := ParseTrace(strings.NewReader(text), "f.csv"); return err }
	samples := func(text string) error {
		ms := []model.Meeting{{ID: "m1", Start: 0, End: 3600, Participants: 2}}
		_, _, err := ApplySamples(ms, strings.NewReader(text), "f.csv")
		return err
	}
	catalog := func(text string) error { _, err := ParseCatalogCSV(strings.NewReader(text), "f.csv"); return err }
	for _, tc := range []struct {
		name string
		read func(string) error
		in   string
		want string // "" = accepted
	}{
		{"trace: BOM, case, spaces", trace, "\ufeffMeeting_ID , START,End,Participants\nm1,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,3\n", ""},
		{"trace: missing column", trace, "meeting_id,start,end\n", "f.csv: line 1: field participants: header lacks this column"},
		{"trace: unknown column", trace, "meeting_id,start,end,participants,colour\n", "f.csv: line 1: field colour: unknown column"},
		{"samples: BOM, case, spaces", samples, "\ufeffTIME, Meeting_ID ,participants\n1970-01-01T00:10:00Z,m1,5\n", ""},
		{"samples: missing column", samples, "time,meeting_id\n", "f.csv: line 1: field participants: header lacks this column"},
		{"samples: other columns allowed", samples, "time,meeting_id,participants,note\n1970-01-01T00:10:00Z,m1,5,x\n", ""},
		{"catalog: BOM, case, spaces", catalog, "\ufeffRegion, Instance_Type,VCPU,on_demand_usd_per_hour\neu-west-1,c5.4xlarge,16,0.8\n", ""},
		{"catalog: missing column after comments", catalog, "# a\n# b\nregion,instance_type,vcpu\n", "f.csv: line 3: field on_demand_usd_per_hour: header lacks this column"},
		{"catalog: other columns allowed", catalog, "region,instance_type,vcpu,on_demand_usd_per_hour,source\neu-west-1,c5.4xlarge,16,0.8,x\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(tc.in)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
