package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/capacityfit"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

func capacityCommand() *cli.Command {
	return &cli.Command{
		Name:  "capacity",
		Usage: "what a BBB server of each type holds, in load units",
		Subcommands: []*cli.Command{{
			Name:  "fit",
			Usage: "fit per-type capacity at a CPU ceiling from load-test or production samples",
			Description: "Reads a CSV of samples with the columns " + strings.Join(datasets.CapacitySampleColumns(), ",") + "\n" +
				"(meetings and listeners optional; cpu_pct is the whole server's CPU, 0-100) and fits, per\n" +
				"instance type, CPU% = idle + k × load by least squares, the load in load units (LU) by\n" +
				"the load model. The capacity is the load at the ceiling, (ceiling − idle) / k, for\n" +
				"load_capacity.TYPE in the configuration. A free fit of each media kind's own cost checks\n" +
				"the model's weights on this hardware.",
			ArgsUsage: "SAMPLES.csv",
			Flags: []cli.Flag{
				&cli.Float64Flag{Name: "ceiling", Value: capacityfit.DefaultCeilingPct, Usage: "CPU `PERCENT` at which a server is full (BBB: audio degrades above 80%)"},
				&cli.StringFlag{Name: "region", Value: "eu-west-1", Usage: "AWS `REGION` of the catalog to compare with"},
				catalogFlag,
				&cli.StringFlag{Name: "format", Value: "text", Usage: "text | json"},
			},
			Action: capacityFit,
		}},
	}
}

func capacityFit(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("capacity fit takes one samples CSV, got %d arguments", c.NArg())
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageErr("--format: want text or json, got %q", format)
	}
	path := c.Args().First()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading capacity samples: %w", err)
	}
	defer f.Close()
	samples, err := datasets.ReadCapacitySamples(f, path)
	if err != nil {
		return err
	}
	lm := model.DefaultLoadModel()
	fits, err := capacityfit.FitSamples(samples, lm, c.Float64("ceiling"))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	cat, err := loadCatalog(c)
	if err != nil {
		return err
	}
	rc, err := cat.Region(c.String("region"))
	if err != nil {
		return err
	}
	w := c.App.Writer
	if format == "json" {
		type comp struct {
			Name    string  `json:"name"`
			PctPer  float64 `json:"cpu_pct_per_unit"`
			LU      float64 `json:"lu"`
			ModelLU float64 `json:"model_lu"`
		}
		type row struct {
			Type           string  `json:"instance_type"`
			Samples        int     `json:"samples"`
			IdlePct        float64 `json:"idle_cpu_pct"`
			PctPerKLU      float64 `json:"cpu_pct_per_1000_lu"`
			R2             float64 `json:"r2"`
			RMSEPct        float64 `json:"rmse_cpu_pct"`
			CeilingPct     float64 `json:"ceiling_cpu_pct"`
			CapacityLoad   int     `json:"capacity_load"`
			CatalogLoad    int     `json:"catalog_capacity_load,omitempty"`
			LoadMultiplier float64 `json:"load_multiplier"`
			Components     []comp  `json:"components,omitempty"`
			FreeFitNote    string  `json:"free_fit_note,omitempty"`
		}
		rows := []row{}
		for _, ft := range fits {
			r := row{ft.InstanceType, ft.Samples, ft.IdlePct, 1000 * ft.PctPerLU, ft.R2, ft.RMSEPct, ft.CeilingPct, ft.CapacityLoad, 0, lm.LoadMultiplier(ft.CapacityLoad), nil, ft.FreeFitNote}
			if t, ok := rc.Types[ft.InstanceType]; ok {
				r.CatalogLoad = t.CapacityLoad
			}
			for _, cp := range ft.Components {
				r.Components = append(r.Components, comp{cp.Name, cp.PctPer, cp.LU, cp.ModelLU})
			}
			rows = append(rows, r)
		}
		return writeJSON(w, map[string]any{"samples": len(samples), "fits": rows})
	}
	fmt.Fprintf(w, "%d samples from %s; CPU%% = idle + k × load (LU), capacity at %g%% CPU\n", len(samples), path, c.Float64("ceiling"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tsamples\tidle %\tk %/1000 LU\tR²\trmse %\tcapacity LU\tcatalog LU\tload_multiplier\t")
	for _, ft := range fits {
		catalog := "-"
		if t, ok := rc.Types[ft.InstanceType]; ok {
			catalog = fmt.Sprint(t.CapacityLoad)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.3f\t%.3f\t%.2f\t%d\t%s\t%.3f\t\n", ft.InstanceType, ft.Samples, ft.IdlePct, 1000*ft.PctPerLU, ft.R2, ft.RMSEPct, ft.CapacityLoad, catalog, lm.LoadMultiplier(ft.CapacityLoad))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nmedia kinds fitted apart (LU = CPU per unit / k; the model's weight beside it):")
	for _, ft := range fits {
		if len(ft.Components) == 0 {
			fmt.Fprintf(w, "  %s: %s\n", ft.InstanceType, ft.FreeFitNote)
			continue
		}
		parts := make([]string, len(ft.Components))
		for i, cp := range ft.Components {
			parts[i] = fmt.Sprintf("%s %.1f LU (model %g)", cp.Name, cp.LU, cp.ModelLU)
		}
		fmt.Fprintf(w, "  %s: %s\n", ft.InstanceType, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "\nfor the configuration:\nload_capacity:")
	for _, ft := range fits {
		fmt.Fprintf(w, "  %s: %d\n", ft.InstanceType, ft.CapacityLoad)
	}
	return nil
}
