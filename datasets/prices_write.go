package datasets

import (
	"bufio"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/scalite/scalite/model"
)

// PriceRecord is one spot-price observation.
type PriceRecord struct {
	Market     model.MarketKey
	Product    string
	USDPerHour float64
	Time       int64 // Unix seconds
}

// Records flattens the history back into records, one per change point.
func (h *PriceHistory) Records(product string) []PriceRecord {
	var out []PriceRecord
	for _, k := range h.Markets() {
		s := h.Series[k]
		for i := 0; i < s.Len(); i++ {
			t, p := s.Point(i)
			out = append(out, PriceRecord{Market: k, Product: product, USDPerHour: p, Time: t})
		}
	}
	return out
}

// WritePricesCLIJSON writes records exactly as `aws ec2
// describe-spot-price-history` prints them: one page, newest first, four-space
// indentation, six-decimal prices and +00:00 timestamps, so that the file
// reads like one the operator fetched.
func WritePricesCLIJSON(w io.Writer, recs []PriceRecord) error {
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b PriceRecord) int {
		if c := cmp.Compare(b.Time, a.Time); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Market.InstanceType, b.Market.InstanceType); c != 0 {
			return c
		}
		return cmp.Compare(a.Market.AZ, b.Market.AZ)
	})
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("{\n    \"SpotPriceHistory\": [")
	var buf []byte
	str := func(s string) {
		b, _ := json.Marshal(s)
		bw.Write(b)
	}
	for i, r := range sorted {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n        {\n            \"AvailabilityZone\": ")
		str(r.Market.AZ)
		bw.WriteString(",\n            \"InstanceType\": ")
		str(r.Market.InstanceType)
		bw.WriteString(",\n            \"ProductDescription\": ")
		str(r.Product)
		bw.WriteString(",\n            \"SpotPrice\": \"")
		buf = strconv.AppendFloat(buf[:0], r.USDPerHour, 'f', 6, 64)
		bw.Write(buf)
		bw.WriteString("\",\n            \"Timestamp\": \"")
		buf = time.Unix(r.Time, 0).UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05-07:00")
		bw.Write(buf)
		bw.WriteString("\"\n        }")
	}
	if len(sorted) > 0 {
		bw.WriteString("\n    ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
