package model

import (
	"math"
	"testing"
)

var testTiers = BillPrices{
	EgressTiers:         []EgressTier{{100, 0}, {10240, 0.09}, {51200, 0.085}, {153600, 0.07}, {0, 0.05}},
	EBSGp3USDPerGBMonth: 0.088, IPv4USDPerHour: 0.005, EBSVolumeGiB: 100,
}

var testBitrates = Bitrates{AudioKbps: 48, WebcamKbps: 200, ScreenshareKbps: 1500, ViewerPageSize: 5,
	Thresholds: []WebcamThreshold{{8, 100}, {12, 90}, {15, 70}, {20, 50}, {25, 40}, {30, 30}}}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestEgressTiersApplyPerMonth(t *testing.T) {
	for _, tc := range []struct {
		gb, hours, want float64
	}{
		{100, 730, 0},   // the free 100 GB
		{200, 730, 9},   // 100 at 0.09
		{100, 365, 4.5}, // half a month at a monthly rate of 200 GB
		{20480, 730, 10140*0.09 + 10240*0.085},
		{200000, 730, 10140*0.09 + 40960*0.085 + 102400*0.07 + 46400*0.05},
		{0, 730, 0},
	} {
		if got := testTiers.EgressUSD(tc.gb, tc.hours); !near(got, tc.want) {
			t.Errorf("%v GB over %v h: %v USD, want %v", tc.gb, tc.hours, got, tc.want)
		}
	}
}

func TestBillChargesVolumeAndIPv4PerInstanceHour(t *testing.T) {
	b := testTiers.BillFor(200, 730, 730)
	if !near(b.EBSUSD, 8.8) || !near(b.IPv4USD, 3.65) || !near(b.EgressUSD, 9) || !near(b.Total(), 8.8+3.65+9) {
		t.Errorf("bill %+v (total %v), want EBS 8.8, IPv4 3.65, egress 9", b, b.Total())
	}
}

func TestMeetingBitrateFollowsBBBPaginationAndThresholds(t *testing.T) {
	// 10 listeners, no webcam: audio only.
	if got := testBitrates.MeetingKbps(MediaMix{Participants: 10, Voice: 1, Listeners: 9, Moderators: 1}); got != 480 {
		t.Errorf("audio-only meeting of 10: %v kbit/s, want 480", got)
	}
	// 4 webcams among 5 (under the page size, over no threshold): each
	// receives 4·4/5 webcams at 200.
	x := MediaMix{Participants: 5, Voice: 5, Webcams: 4, Moderators: 1}
	if got, want := testBitrates.MeetingKbps(x), 5*48+5*(4.0*4/5)*200; !near(got, want) {
		t.Errorf("5 with 4 webcams: %v, want %v", got, want)
	}
	// 20 all on webcam: the threshold drops cameras to 50 kbit/s; viewers
	// see a page of 5, the moderator all 19.
	x = MediaMix{Participants: 20, Voice: 20, Webcams: 20, Moderators: 1}
	if got, want := testBitrates.MeetingKbps(x), 20*48+(1*19+19*5)*50.0; !near(got, want) {
		t.Errorf("20 on webcam: %v, want %v", got, want)
	}
	// A screenshare goes to everyone but the sharer.
	x = MediaMix{Participants: 10, Listeners: 10, Screenshares: 1}
	if got := testBitrates.MeetingKbps(x); got != 480+9*1500 {
		t.Errorf("screenshare to 9: %v", got)
	}
}

// TestEgressCrossCheckIssue8685: 100 users all on webcam cost about 0.92
// USD/h of egress at 0.09 USD/GB with BBB's pagination and thresholds (the
// issue's estimate, without them, was 3.2 USD/h at 0.14).
func TestEgressCrossCheckIssue8685(t *testing.T) {
	m := Meeting{Start: 0, End: 3600, Participants: 100, Moderators: 1, VideoStreams: 100, VoiceParticipants: 100}
	gb := testBitrates.EgressGB(&m, 0, 3600)
	if usd := gb * 0.09; usd < 0.85 || usd > 1.0 {
		t.Errorf("100 webcam users: %.2f GB/h, %.2f USD/h; want about 0.92", gb, usd)
	}
}

func TestEgressIntegratesTheMeetingsCurve(t *testing.T) {
	m := Meeting{Start: 0, End: 3600, Participants: 10, Moderators: 1,
		Curve: []SizeStep{{At: 1800, Participants: 20}}}
	// 10 on audio for 30 min, 20 for 30 min, at 48 kbit/s.
	want := (10*48.0*1800 + 20*48.0*1800) * 1000 / 8 / 1e9
	if got := testBitrates.EgressGB(&m, 0, 3600); !near(got, want) {
		t.Errorf("%v GB, want %v", got, want)
	}
	if got := testBitrates.EgressGB(&m, 1800, 2700); !near(got, 20*48.0*900*1000/8/1e9) {
		t.Errorf("a window's part: %v GB", got)
	}
}
