package datasets

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalite/scalite/model"
)

// The embedded prices beyond instances and the stream bitrates, with their
// sources in the file's comments.
//
//go:embed defaults/aws-bill.yaml
var defaultBillYAML []byte

type billFile struct {
	Source       string  `yaml:"source"`
	EBSVolumeGiB float64 `yaml:"ebs_volume_gib"`
	Regions      map[string]struct {
		EgressTiers []struct {
			UpToGB   float64 `yaml:"up_to_gb"`
			USDPerGB float64 `yaml:"usd_per_gb"`
		} `yaml:"egress_tiers"`
		EBSGp3   float64 `yaml:"ebs_gp3_usd_per_gb_month"`
		IPv4Hour float64 `yaml:"public_ipv4_usd_per_hour"`
	} `yaml:"regions"`
	Bitrates struct {
		AudioKbps  float64 `yaml:"audio_kbps"`
		WebcamKbps float64 `yaml:"webcam_kbps"`
		Thresholds []struct {
			Cameras  int     `yaml:"cameras"`
			KbpsEach float64 `yaml:"kbps_each"`
		} `yaml:"webcam_thresholds"`
		ScreenshareKbps float64 `yaml:"screenshare_kbps"`
		ViewerPageSize  int     `yaml:"viewer_page_size"`
	} `yaml:"bitrates"`
}

// BillDefaults are the embedded prices of every region and the bitrates.
type BillDefaults struct {
	Regions  map[string]model.BillPrices
	Bitrates model.Bitrates
}

// ParseBill reads the bill file's form; name is used in errors.
func ParseBill(data []byte, name string) (*BillDefaults, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f billFile
	if err := dec.Decode(&f); err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("YAML: %w", err)}
	}
	fail := func(field string, format string, args ...any) error {
		return &InputError{File: name, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if f.EBSVolumeGiB <= 0 {
		return nil, fail("ebs_volume_gib", "must be positive, got %v", f.EBSVolumeGiB)
	}
	if len(f.Regions) == 0 {
		return nil, &InputError{File: name, Field: "regions", Err: errors.New("none")}
	}
	out := &BillDefaults{Regions: map[string]model.BillPrices{}}
	for region, r := range f.Regions {
		key := "regions." + region
		if len(r.EgressTiers) == 0 {
			return nil, fail(key+".egress_tiers", "none")
		}
		p := model.BillPrices{Region: region, EBSGp3USDPerGBMonth: r.EBSGp3, IPv4USDPerHour: r.IPv4Hour, EBSVolumeGiB: f.EBSVolumeGiB, Source: f.Source}
		below := 0.0
		for i, t := range r.EgressTiers {
			last := i == len(r.EgressTiers)-1
			switch {
			case t.USDPerGB < 0:
				return nil, fail(fmt.Sprintf("%s.egress_tiers[%d].usd_per_gb", key, i), "must not be negative, got %v", t.USDPerGB)
			case !last && t.UpToGB <= below:
				return nil, fail(fmt.Sprintf("%s.egress_tiers[%d].up_to_gb", key, i), "tiers must rise: %v after %v", t.UpToGB, below)
			case last && t.UpToGB != 0:
				return nil, fail(fmt.Sprintf("%s.egress_tiers[%d].up_to_gb", key, i), "the last tier has no limit: leave up_to_gb out")
			}
			below = t.UpToGB
			p.EgressTiers = append(p.EgressTiers, model.EgressTier{UpToGB: t.UpToGB, USDPerGB: t.USDPerGB})
		}
		if r.EBSGp3 <= 0 {
			return nil, fail(key+".ebs_gp3_usd_per_gb_month", "must be positive, got %v", r.EBSGp3)
		}
		if r.IPv4Hour < 0 {
			return nil, fail(key+".public_ipv4_usd_per_hour", "must not be negative, got %v", r.IPv4Hour)
		}
		out.Regions[region] = p
	}
	b := f.Bitrates
	if b.AudioKbps <= 0 || b.WebcamKbps <= 0 || b.ScreenshareKbps <= 0 || b.ViewerPageSize < 0 {
		return nil, fail("bitrates", "audio, webcam and screenshare rates must be positive and the page size not negative")
	}
	out.Bitrates = model.Bitrates{AudioKbps: b.AudioKbps, WebcamKbps: b.WebcamKbps, ScreenshareKbps: b.ScreenshareKbps, ViewerPageSize: b.ViewerPageSize}
	for i, t := range b.Thresholds {
		if t.Cameras <= 0 || t.KbpsEach <= 0 || (i > 0 && t.Cameras <= b.Thresholds[i-1].Cameras) {
			return nil, fail(fmt.Sprintf("bitrates.webcam_thresholds[%d]", i), "want rising camera counts and positive rates")
		}
		out.Bitrates.Thresholds = append(out.Bitrates.Thresholds, model.WebcamThreshold{Cameras: t.Cameras, KbpsEach: t.KbpsEach})
	}
	return out, nil
}

// DefaultBill is the embedded bill file.
func DefaultBill() *BillDefaults {
	b, err := ParseBill(defaultBillYAML, "embedded aws-bill.yaml")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return b
}

// BillPricesFor is the embedded prices of a region.
func (b *BillDefaults) BillPricesFor(region string) (model.BillPrices, error) {
	p, ok := b.Regions[region]
	if !ok {
		names := make([]string, 0, len(b.Regions))
		for n := range b.Regions {
			names = append(names, n)
		}
		sort.Strings(names)
		return model.BillPrices{}, fmt.Errorf("no prices beyond instances for region %q (have %s)", region, strings.Join(names, ", "))
	}
	return p, nil
}
