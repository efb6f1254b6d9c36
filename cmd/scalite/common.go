package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

var catalogFlag = &cli.StringFlag{Name: "catalog", Usage: "instance catalog `FILE` (CSV or JSON) replacing the embedded one"}

var configFlag = &cli.StringFlag{Name: "config", Usage: "configuration `FILE` (YAML); the default path is used when it exists, else built-in defaults", Value: config.DefaultPath}

func loadCatalog(c *cli.Context) (*model.Catalog, error) {
	if p := c.String("catalog"); p != "" {
		return datasets.ReadCatalog(p)
	}
	return datasets.DefaultCatalog(), nil
}

// loadConfig reads --config; the default path may be absent, an explicit
// one may not.
func loadConfig(c *cli.Context, cat *model.Catalog) (*config.File, error) {
	path := c.String("config")
	if !c.IsSet("config") {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			f, err := config.Parse(nil, "built-in defaults")
			if err != nil {
				return nil, err
			}
			return f, f.Validate(cat)
		}
	}
	return config.LoadAndValidate(path, cat)
}

// loadCatalogAndConfig reads --catalog and --config, checked against each other.
func loadCatalogAndConfig(c *cli.Context) (*model.Catalog, *config.File, error) {
	cat, err := loadCatalog(c)
	if err != nil {
		return nil, nil, err
	}
	cf, err := loadConfig(c, cat)
	if err != nil {
		return nil, nil, err
	}
	return cat, cf, nil
}

func parseDay(s, flag string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err2 := time.Parse(time.RFC3339, s); err2 == nil {
			return t.UTC(), nil
		}
		return time.Time{}, usageErr("--%s: bad date %q (want YYYY-MM-DD)", flag, s)
	}
	return t, nil
}

func fmtTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04:05Z") }

func fmtDur(sec int64) string {
	return fmt.Sprintf("%dd %02d:%02d:%02d", sec/86400, sec%86400/3600, sec%3600/60, sec%60)
}

// writeJSON prints v indented, without HTML escaping (bands read "<5%").
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
