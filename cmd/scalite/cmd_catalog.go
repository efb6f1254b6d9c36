package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// The mixes `catalog` turns load capacity into participants for: a
// listen-only lecture, BBB's mixed use and everyone on webcam (the two
// calibration anchors of model.LoadModel).
var (
	catalogListenOnly = model.MediaMix{Participants: 25, Voice: 1, Listeners: 24}
	catalogMixedUse   = model.MediaMix{Participants: 25, Voice: 3, Listeners: 22, Webcams: 2}
	catalogAllWebcam  = model.MediaMix{Participants: 20, Voice: 20, Webcams: 20}
)

func catalogCommand() *cli.Command {
	return &cli.Command{
		Name:  "catalog",
		Usage: "print the instance catalog of a region: on-demand prices, BBB capacity (load units beside the old 25 users per vCPU), advisor band",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Value: "eu-west-1", Usage: "AWS `REGION`"},
			catalogFlag,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text | json | csv"},
		},
		Action: func(c *cli.Context) error {
			cat, err := loadCatalog(c)
			if err != nil {
				return err
			}
			if c.String("format") == "csv" && !c.IsSet("catalog") && !c.IsSet("region") {
				_, err := c.App.Writer.Write(datasets.DefaultCatalogCSV())
				return err
			}
			rc, err := cat.Region(c.String("region"))
			if err != nil {
				return err
			}
			type row struct {
				Name               string  `json:"name"`
				VCPU               float64 `json:"vcpu"`
				MemoryGiB          float64 `json:"memory_gib"`
				OnDemandUSDPerHour float64 `json:"on_demand_usd_per_hour"`
				CapacityUsers      int     `json:"capacity_users"`
				AdvisorBand        string  `json:"advisor_band"`
				SavingsPct         float64 `json:"savings_pct"`
				CapacityLoad       int     `json:"capacity_load"`
				LoadMultiplier     float64 `json:"load_multiplier"`
				// Participants the load capacity holds in three mixes.
				ListenOnlyUsers int `json:"listen_only_users"`
				MixedUsers      int `json:"mixed_use_users"`
				AllWebcamUsers  int `json:"all_webcam_users"`
			}
			lm := model.DefaultLoadModel()
			var rows []row
			for _, n := range rc.TypeNames() {
				t := rc.Types[n]
				users := func(x model.MediaMix) int {
					return int(float64(t.CapacityLoad) / (lm.MeetingLoad(x) / float64(x.Participants)))
				}
				rows = append(rows, row{t.Name, t.VCPU, t.MemoryGiB, t.OnDemandUSDPerHour, t.CapacityUsers, t.Band.String(), t.SavingsPct,
					t.CapacityLoad, lm.LoadMultiplier(t.CapacityLoad), users(catalogListenOnly), users(catalogMixedUse), users(catalogAllWebcam)})
			}
			w := c.App.Writer
			switch c.String("format") {
			case "json":
				return writeJSON(w, map[string]any{"region": rc.Region, "availability_zones": rc.AZs, "instance_types": rows})
			case "csv":
				fmt.Fprintln(w, "region,instance_type,vcpu,memory_gib,on_demand_usd_per_hour,capacity_users,advisor_band,savings_pct,capacity_load")
				for _, r := range rows {
					fmt.Fprintf(w, "%s,%s,%g,%g,%g,%d,%s,%g,%d\n", rc.Region, r.Name, r.VCPU, r.MemoryGiB, r.OnDemandUSDPerHour, r.CapacityUsers, r.AdvisorBand, r.SavingsPct, r.CapacityLoad)
				}
				return nil
			case "text":
			default:
				return usageErr("--format: want text, json or csv, got %q", c.String("format"))
			}
			fmt.Fprintf(w, "region %s, %d instance types, zones %v\n", rc.Region, len(rows), rc.AZs)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "type\tvCPU\tGiB\ton-demand $/h\tBBB users\t$/user-h\tload LU\tlisten-only\tmixed\tall-webcam\tload_multiplier\tadvisor band\tspot savings\t")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%g\t%g\t%.4f\t%d\t%.5f\t%d\t%d\t%d\t%d\t%.3f\t%s\t%g%%\t\n", r.Name, r.VCPU, r.MemoryGiB, r.OnDemandUSDPerHour, r.CapacityUsers, r.OnDemandUSDPerHour/float64(r.CapacityUsers),
					r.CapacityLoad, r.ListenOnlyUsers, r.MixedUsers, r.AllWebcamUsers, r.LoadMultiplier, r.AdvisorBand, r.SavingsPct)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(w, "BBB users: the old rule, %d per vCPU. load LU: capacity in load units at 80%% CPU (%.0f LU per vCPU; model/load.go).\n", model.UsersPerVCPU, lm.PerVCPU)
			fmt.Fprintln(w, "Participants that load holds: listen-only (meetings of 25, the moderator speaking), mixed (25 with 2 webcams, 3 microphones),")
			fmt.Fprintln(w, "all-webcam (20, all on webcam and microphone). load_multiplier: Scalelite's, 1 for an 8-vCPU server.")
			return nil
		},
	}
}
