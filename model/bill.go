package model

import (
	"math"
)

// The whole bill: what a BBB fleet costs on AWS beyond its instances.
// Data transfer out to the internet (every stream the servers send to
// participants), EBS volume-hours (every server's gp3 root volume) and
// public IPv4 address-hours (one per server; AWS charges them since
// 2024-02-01). The prices and bitrates are embedded with their sources in
// datasets/defaults/aws-bill.yaml.

// HoursPerMonth is AWS's billing month for monthly prices and tiers.
const HoursPerMonth = 730

// EgressTier is one step of the monthly data-transfer-out price: USDPerGB
// for the GB of a month up to UpToGB (cumulative; 0 on the last tier:
// no limit).
type EgressTier struct {
	UpToGB   float64
	USDPerGB float64
}

// BillPrices are one region's prices beyond instances.
type BillPrices struct {
	Region              string
	EgressTiers         []EgressTier
	EBSGp3USDPerGBMonth float64
	IPv4USDPerHour      float64
	// EBSVolumeGiB is each server's volume (an assumption, see the file).
	EBSVolumeGiB float64
	// Source names where the prices come from and when they were read.
	Source string
}

// WebcamThreshold: from Cameras webcams in a meeting on, BBB's client sends
// every webcam at KbpsEach.
type WebcamThreshold struct {
	Cameras  int
	KbpsEach float64
}

// Bitrates are the streams' rates as each receiver gets them, kbit/s.
type Bitrates struct {
	AudioKbps       float64
	WebcamKbps      float64 // below the first threshold
	Thresholds      []WebcamThreshold
	ScreenshareKbps float64
	// ViewerPageSize is how many webcams a viewer (not a moderator)
	// receives at once; 0 = all. Moderators receive all.
	ViewerPageSize int
}

// webcamKbps is one webcam's rate in a meeting with this many webcams.
func (b Bitrates) webcamKbps(cams int) float64 {
	r := b.WebcamKbps
	for _, t := range b.Thresholds {
		if cams >= t.Cameras {
			r = t.KbpsEach
		}
	}
	return r
}

// MeetingKbps is what a meeting's server sends to its participants: each
// receives the conference audio if on audio, the webcams other than its own
// (a viewer only a page of them), and the screenshare.
func (b Bitrates) MeetingKbps(x MediaMix) float64 {
	n := x.Participants
	if n <= 0 {
		return 0
	}
	cams := min(max(x.Webcams, 0), n)
	screens := min(max(x.Screenshares, 0), n)
	voice := min(max(x.Voice, 0), n)
	audio := voice + min(max(x.Listeners, 0), n-voice)
	mods := min(max(x.Moderators, 0), n)
	// Webcams a participant receives: the others' (one of the cams may be
	// its own; on average cams·(n−1)/n are not).
	others := float64(cams) * float64(n-1) / float64(n)
	viewerCams := others
	if b.ViewerPageSize > 0 {
		viewerCams = math.Min(others, float64(b.ViewerPageSize))
	}
	camRate := b.webcamKbps(cams)
	return float64(audio)*b.AudioKbps +
		(float64(mods)*others+float64(n-mods)*viewerCams)*camRate +
		float64(screens)*float64(n-1)*b.ScreenshareKbps
}

// EgressGB is what the meeting's server sends in [from, to), GB (10^9
// bytes, as AWS bills data transfer).
func (b Bitrates) EgressGB(m *Meeting, from, to int64) float64 {
	kbits := m.MixSeconds(from, to, b.MeetingKbps)
	return kbits * 1000 / 8 / 1e9
}

// EgressUSD prices gb of data transfer out over a window of the given
// hours: the tiers apply per month, so the window's volume is taken at its
// monthly rate (gb × 730 / hours), priced by the tiers, and the month's
// price scaled back to the window.
func (p BillPrices) EgressUSD(gb, hours float64) float64 {
	if gb <= 0 || hours <= 0 {
		return 0
	}
	monthly := gb * HoursPerMonth / hours
	usd, below := 0.0, 0.0
	for _, t := range p.EgressTiers {
		top := t.UpToGB
		if top <= 0 {
			top = math.Inf(1)
		}
		if monthly > below {
			usd += (math.Min(monthly, top) - below) * t.USDPerGB
		}
		below = top
	}
	return usd * hours / HoursPerMonth
}

// Bill is the fleet's cost beyond instances over a window.
type Bill struct {
	EgressGB  float64
	EgressUSD float64
	EBSUSD    float64
	IPv4USD   float64
}

// Total is the bill's sum.
func (b Bill) Total() float64 { return b.EgressUSD + b.EBSUSD + b.IPv4USD }

// BillFor prices a window: egressGB sent, instanceHours of servers (each
// with one volume and one public IPv4 address), over windowHours.
func (p BillPrices) BillFor(egressGB, instanceHours, windowHours float64) Bill {
	return Bill{
		EgressGB:  egressGB,
		EgressUSD: p.EgressUSD(egressGB, windowHours),
		EBSUSD:    instanceHours * p.EBSVolumeGiB * p.EBSGp3USDPerGBMonth / HoursPerMonth,
		IPv4USD:   instanceHours * p.IPv4USDPerHour,
	}
}
