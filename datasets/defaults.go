package datasets

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/scalite/scalite/model"
)

// The embedded default prices are synthetic: this project generated them
// with its own seeded model (no third-party data), by
//
//	scalite prices generate --region eu-west-1 \
//	  --instance-types c5a.4xlarge,c6i.4xlarge,m5.4xlarge \
//	  --start 2026-03-02 --days 28 --seed 1 -o datasets/defaults/prices-eu-west-1.json
//
// and a test regenerates them byte for byte.
//
//go:embed defaults/prices-eu-west-1.json
var defaultPricesJSON []byte

// DefaultPricesName labels the embedded prices in reports.
const DefaultPricesName = "embedded synthetic prices (eu-west-1, 2026-03-02 + 28 days, seed 1)"

// Settings behind the embedded default prices and trace.
var (
	DefaultStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	DefaultDays  = 28
	DefaultSeed  = uint64(1)
	DefaultTypes = []string{"c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"}
)

// DefaultPrices reads the embedded synthetic price history.
func DefaultPrices() (*PriceHistory, error) {
	return ReadPricesFrom(bytes.NewReader(defaultPricesJSON), DefaultPricesName, PriceReadOptions{})
}

// DefaultPricesJSON returns the embedded file's bytes.
func DefaultPricesJSON() []byte { return bytes.Clone(defaultPricesJSON) }

// DefaultTypesOf picks the default types from a region's catalog.
func DefaultTypesOf(rc *model.RegionCatalog) ([]model.InstanceType, error) {
	out := make([]model.InstanceType, 0, len(DefaultTypes))
	for _, n := range DefaultTypes {
		t, err := rc.Type(n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Fingerprint identifies inputs by their bytes (length-prefixed, so that
// parts cannot run into each other): sweeps use it to refuse foreign
// shards, regression baselines to refuse changed scenarios.
func Fingerprint(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// NewPriceRand and NewTraceRand are the seeded sources behind `prices
// generate` and `trace generate`: separate PCG streams, so that the same
// seed gives unrelated price and trace draws.
func NewPriceRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5ca1)) }

// NewTraceRand is the trace generator's seeded source.
func NewTraceRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7ace)) }
