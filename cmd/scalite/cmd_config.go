package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "check or print configuration files",
		Subcommands: []*cli.Command{
			{
				Name:      "validate",
				Usage:     "check a configuration file against the catalog",
				ArgsUsage: "[FILE] (default " + config.DefaultPath + ")",
				Flags:     []cli.Flag{catalogFlag},
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usageErr("config validate takes one file, got %d", c.NArg())
					}
					path := config.DefaultPath
					if c.NArg() == 1 {
						path = c.Args().First()
					}
					cat, err := loadCatalog(c)
					if err != nil {
						return err
					}
					f, err := config.LoadAndValidate(path, cat)
					if err != nil {
						return err
					}
					cfg := f.Config
					spot := "off"
					if cfg.Spot.Enabled {
						spot = fmt.Sprintf("%d types x %d zones, max price %s, %s", len(cfg.Spot.InstanceType), len(cfg.AvailabilityZones), cfg.Spot.SpotPrice, cfg.Spot.AllocationStrategy)
					}
					fmt.Fprintf(c.App.Writer, "%s: valid (region %s; spot: %s; on-demand base %d; fleet %d-%d)\n", path, cfg.Region, spot, cfg.OnDemand.Base, cfg.Fleet.Min, cfg.Fleet.Max)
					return nil
				},
			},
			{
				Name:  "example",
				Usage: "print a documented example configuration",
				Action: func(c *cli.Context) error {
					_, err := c.App.Writer.Write(config.Example())
					return err
				},
			},
		},
	}
}
