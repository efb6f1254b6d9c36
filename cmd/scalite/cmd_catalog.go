package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
)

func catalogCommand() *cli.Command {
	return &cli.Command{
		Name:  "catalog",
		Usage: "print the instance catalog of a region: on-demand prices, BBB capacity, advisor band",
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
			}
			var rows []row
			for _, n := range rc.TypeNames() {
				t := rc.Types[n]
				rows = append(rows, row{t.Name, t.VCPU, t.MemoryGiB, t.OnDemandUSDPerHour, t.CapacityUsers, t.Band.String(), t.SavingsPct})
			}
			w := c.App.Writer
			switch c.String("format") {
			case "json":
				return writeJSON(w, map[string]any{"region": rc.Region, "availability_zones": rc.AZs, "instance_types": rows})
			case "csv":
				fmt.Fprintln(w, "region,instance_type,vcpu,memory_gib,on_demand_usd_per_hour,capacity_users,advisor_band,savings_pct")
				for _, r := range rows {
					fmt.Fprintf(w, "%s,%s,%g,%g,%g,%d,%s,%g\n", rc.Region, r.Name, r.VCPU, r.MemoryGiB, r.OnDemandUSDPerHour, r.CapacityUsers, r.AdvisorBand, r.SavingsPct)
				}
				return nil
			case "text":
			default:
				return usageErr("--format: want text, json or csv, got %q", c.String("format"))
			}
			fmt.Fprintf(w, "region %s, %d instance types, zones %v\n", rc.Region, len(rows), rc.AZs)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "type\tvCPU\tGiB\ton-demand $/h\tBBB users\t$/user-h\tadvisor band\tspot savings\t")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%g\t%g\t%.4f\t%d\t%.5f\t%s\t%g%%\t\n", r.Name, r.VCPU, r.MemoryGiB, r.OnDemandUSDPerHour, r.CapacityUsers, r.OnDemandUSDPerHour/float64(r.CapacityUsers), r.AdvisorBand, r.SavingsPct)
			}
			return tw.Flush()
		},
	}
}
