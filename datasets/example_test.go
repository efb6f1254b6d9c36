package datasets_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// Spot prices as `aws ec2 describe-spot-price-history --output text`
// exports them to CSV; JSON pages and JSON lines read alike. Each market
// becomes a series of price changes, the price holding until the next.
func ExampleReadPrices() {
	dir, err := os.MkdirTemp("", "prices")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "eu-west-1.csv")
	csv := "Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n" +
		"2026-03-02T00:00:00Z,eu-west-1a,c5a.4xlarge,Linux/UNIX,0.2900\n" +
		"2026-03-02T06:00:00Z,eu-west-1a,c5a.4xlarge,Linux/UNIX,0.3100\n" +
		"2026-03-02T03:00:00Z,eu-west-1a,c5a.4xlarge,Windows,0.9000\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		panic(err)
	}
	h, err := datasets.ReadPrices([]string{path}, datasets.PriceReadOptions{})
	if err != nil {
		panic(err)
	}
	s := h.Series[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}]
	at := func(hhmm string) float64 {
		t, _ := time.Parse(time.RFC3339, "2026-03-02T"+hhmm+":00Z")
		p, _ := s.At(t.Unix())
		return p
	}
	fmt.Println(h.Markets(), "records", h.Stats.Records, "kept", h.Stats.Kept)
	fmt.Printf("05:00 %.4f, 07:00 %.4f $/h\n", at("05:00"), at("07:00"))
	// Output:
	// [c5a.4xlarge/eu-west-1a] records 3 kept 2
	// 05:00 0.2900, 07:00 0.3100 $/h
}

// A meeting trace is a CSV of meetings; the optional samples CSV gives
// their size over time. Meetings come back sorted by start.
func ExampleReadTrace() {
	dir, err := os.MkdirTemp("", "trace")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	trace := filepath.Join(dir, "trace.csv")
	samples := filepath.Join(dir, "samples.csv")
	if err := os.WriteFile(trace, []byte("meeting_id,start,end,participants,moderators,video_streams,recorded,tag\n"+
		"seminar,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,8,2,2,false,\n"+
		"lecture,2026-03-02T08:00:00Z,2026-03-02T09:30:00Z,40,1,1,true,\n"), 0o644); err != nil {
		panic(err)
	}
	if err := os.WriteFile(samples, []byte("time,meeting_id,participants\n"+
		"2026-03-02T08:10:00Z,lecture,60\n"), 0o644); err != nil {
		panic(err)
	}
	meetings, stats, err := datasets.ReadTrace(trace, samples)
	if err != nil {
		panic(err)
	}
	for _, m := range meetings {
		fmt.Printf("%s: %d participants, %d at peak, %d min, recorded %v\n", m.ID, m.Participants, m.PeakParticipants(), m.Duration()/60, m.Recorded)
	}
	fmt.Println("samples outside their meeting:", stats.SamplesOutside)
	// Output:
	// lecture: 40 participants, 60 at peak, 90 min, recorded true
	// seminar: 8 participants, 8 at peak, 60 min, recorded false
	// samples outside their meeting: 0
}
