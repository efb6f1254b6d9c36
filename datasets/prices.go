package datasets

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/scalite/scalite/model"
)

// DefaultProduct is the product description Scalite keeps unless told
// otherwise: BBB runs on Linux.
const DefaultProduct = "Linux/UNIX"

// AllProducts as PriceReadOptions.Product keeps every product description.
const AllProducts = "*"

// MaxSpotPriceUSDPerHour bounds a believable spot price. Spot prices stay
// below the on-demand price, and no EC2 instance type that spot offers
// costs anywhere near 1,000 USD an hour on demand (BBB's types cost under
// 2); a price above the bound is a unit mix-up or a corrupt record (1e308
// would make every cost infinite), so the reader refuses it.
const MaxSpotPriceUSDPerHour = 1000

// PriceReadOptions tunes ReadPrices.
type PriceReadOptions struct {
	// Product keeps only records with this ProductDescription; "" means
	// DefaultProduct and AllProducts keeps all.
	Product string
}

// PriceHistory is spot-price history grouped into one series per market.
type PriceHistory struct {
	Series map[model.MarketKey]*model.PriceSeries
	Stats  PriceReadStats
}

// PriceReadStats says what reading did with the records it saw.
type PriceReadStats struct {
	Files      int
	Records    int // records read, before any filter
	Kept       int // change points in the series
	Duplicates int // records repeating an earlier (market, time, price)
	// Conflicts are records at the same market and time as another with a
	// different price; the higher price is kept, so costs err on the safe side.
	Conflicts        int
	SkippedByProduct map[string]int
}

// Skipped is how many records the product filter dropped.
func (s PriceReadStats) Skipped() int {
	n := 0
	for _, c := range s.SkippedByProduct {
		n += c
	}
	return n
}

// Markets lists the history's markets in a deterministic order.
func (h *PriceHistory) Markets() []model.MarketKey {
	keys := make([]model.MarketKey, 0, len(h.Series))
	for k := range h.Series {
		keys = append(keys, k)
	}
	model.SortMarketKeys(keys)
	return keys
}

// Span is the earliest first and the latest last change over all markets.
func (h *PriceHistory) Span() (from, to int64) {
	first := true
	for _, s := range h.Series {
		if first || s.First() < from {
			from = s.First()
		}
		if first || s.Last() > to {
			to = s.Last()
		}
		first = false
	}
	return from, to
}

// ReadPrices reads spot-price history from files and directories (every
// file below a directory). Each file may be the AWS CLI's JSON (one or more
// pages), JSON Lines with the same keys, or CSV/TSV with a header; gzip is
// undone transparently.
func ReadPrices(paths []string, opt PriceReadOptions) (*PriceHistory, error) {
	files, err := expandPaths(paths)
	if err != nil {
		return nil, fmt.Errorf("reading prices: %w", err)
	}
	c := newPriceCollector(opt)
	for _, f := range files {
		if err := c.readFile(f); err != nil {
			return nil, err
		}
	}
	return c.finish()
}

// ReadPricesFrom reads one stream; name is used in errors.
func ReadPricesFrom(r io.Reader, name string, opt PriceReadOptions) (*PriceHistory, error) {
	c := newPriceCollector(opt)
	if err := c.read(bufio.NewReaderSize(r, 1<<16), name); err != nil {
		return nil, err
	}
	return c.finish()
}

// rawPriceRecord has the keys of one SpotPriceHistory entry.
type rawPriceRecord struct {
	AvailabilityZone   string
	InstanceType       string
	ProductDescription string
	SpotPrice          string
	Timestamp          string
}

type keptPrice struct {
	market int32
	t      int64
	price  float64
}

type priceCollector struct {
	product string
	index   map[model.MarketKey]int32
	keys    []model.MarketKey
	recs    []keptPrice
	stats   PriceReadStats
}

func newPriceCollector(opt PriceReadOptions) *priceCollector {
	p := opt.Product
	if p == "" {
		p = DefaultProduct
	}
	return &priceCollector{product: p, index: map[model.MarketKey]int32{}, stats: PriceReadStats{SkippedByProduct: map[string]int{}}}
}

func (c *priceCollector) readFile(path string) error {
	r, closeFn, err := openInput(path)
	if err != nil {
		return fmt.Errorf("reading prices %s: %w", path, err)
	}
	defer closeFn()
	return c.read(r.(*bufio.Reader), path)
}

func (c *priceCollector) read(br *bufio.Reader, name string) error {
	c.stats.Files++
	head, perr := br.Peek(4096)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull:
		return &InputError{File: name, Err: perr}
	case len(trimmed) == 0:
		return &InputError{File: name, Err: errors.New("empty file: no spot-price records")}
	case trimmed[0] == '{':
		line := trimmed
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		line = bytes.TrimSpace(line)
		if !bytes.Contains(line, []byte(`"SpotPriceHistory"`)) && json.Valid(line) {
			return c.readJSONLines(br, name)
		}
		return c.readCLIJSON(br, name)
	default:
		return c.readCSV(br, name, head)
	}
}

// parsePriceTime accepts RFC 3339 (what AWS prints) and the space-separated
// variants spreadsheet tools write; a time without zone is UTC.
func parsePriceTime(s string) (int64, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, fmt.Errorf("bad time %q (want RFC 3339, e.g. 2022-06-07T09:22:00+00:00)", s)
}

func (c *priceCollector) add(name string, line, record int, r *rawPriceRecord) error {
	c.stats.Records++
	fail := func(field string, err error) error {
		return &InputError{File: name, Line: line, Record: record, Field: field, Err: err}
	}
	switch {
	case r.AvailabilityZone == "":
		return fail("AvailabilityZone", errors.New("missing"))
	case r.InstanceType == "":
		return fail("InstanceType", errors.New("missing"))
	case r.ProductDescription == "":
		return fail("ProductDescription", errors.New("missing"))
	case r.SpotPrice == "":
		return fail("SpotPrice", errors.New("missing"))
	case r.Timestamp == "":
		return fail("Timestamp", errors.New("missing"))
	}
	if c.product != AllProducts && r.ProductDescription != c.product {
		c.stats.SkippedByProduct[r.ProductDescription]++
		return nil
	}
	price, err := strconv.ParseFloat(r.SpotPrice, 64)
	if err != nil || price < 0 || math.IsInf(price, 0) || math.IsNaN(price) {
		return fail("SpotPrice", fmt.Errorf("bad price %q (want a non-negative USD/hour number)", r.SpotPrice))
	}
	if price > MaxSpotPriceUSDPerHour {
		return fail("SpotPrice", fmt.Errorf("price %s USD/hour is above the %d USD/hour any spot instance costs (a unit mix-up or a corrupt record?)", r.SpotPrice, MaxSpotPriceUSDPerHour))
	}
	t, err := parsePriceTime(r.Timestamp)
	if err != nil {
		return fail("Timestamp", err)
	}
	key := model.MarketKey{InstanceType: r.InstanceType, AZ: r.AvailabilityZone}
	idx, ok := c.index[key]
	if !ok {
		// Own copies, so the kept keys do not pin the decoder's buffers.
		key = model.MarketKey{InstanceType: strings.Clone(key.InstanceType), AZ: strings.Clone(key.AZ)}
		idx = int32(len(c.keys))
		c.index[key] = idx
		c.keys = append(c.keys, key)
	}
	c.recs = append(c.recs, keptPrice{market: idx, t: t, price: price})
	return nil
}

// readCLIJSON reads one or more pages of describe-spot-price-history
// output. It streams with the jsontext decoder of encoding/json/v2's
// prototype, which decodes a large file about twice as fast as
// encoding/json, with memory for the records kept, not the file.
func (c *priceCollector) readCLIJSON(r io.Reader, name string) error {
	return c.decodeInOrder(name, func(emit func(rawItem) bool) error {
		dec := jsontext.NewDecoder(r)
		record := 0
		syntax := func(err error) error {
			return &InputError{File: name, Record: record + 1, Err: fmt.Errorf("JSON near byte %d: %w", dec.InputOffset(), err)}
		}
		pages := 0
		for {
			tok, err := dec.ReadToken()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return syntax(err)
			}
			if tok.Kind() != '{' {
				return &InputError{File: name, Err: fmt.Errorf("want a JSON object like describe-spot-price-history prints, found %s", tok.Kind())}
			}
			pages++
			found := false
			for dec.PeekKind() != '}' {
				keyTok, err := dec.ReadToken()
				if err != nil {
					return syntax(err)
				}
				if keyTok.String() != "SpotPriceHistory" {
					if err := dec.SkipValue(); err != nil {
						return syntax(err)
					}
					continue
				}
				found = true
				if tok, err := dec.ReadToken(); err != nil {
					return syntax(err)
				} else if tok.Kind() != '[' {
					return &InputError{File: name, Field: "SpotPriceHistory", Err: errors.New("want an array")}
				}
				for dec.PeekKind() != ']' {
					it := rawItem{record: record + 1}
					if err := jsonv2.UnmarshalDecode(dec, &it.rec); err != nil {
						return syntax(err)
					}
					record++
					if !emit(it) {
						return nil
					}
				}
				if _, err := dec.ReadToken(); err != nil {
					return syntax(err)
				}
			}
			if _, err := dec.ReadToken(); err != nil {
				return syntax(err)
			}
			if !found {
				return &InputError{File: name, Field: "SpotPriceHistory", Err: fmt.Errorf("page %d has no SpotPriceHistory key", pages)}
			}
		}
	})
}

func (c *priceCollector) readJSONLines(br *bufio.Reader, name string) error {
	return c.decodeInOrder(name, func(emit func(rawItem) bool) error {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			it := rawItem{line: line}
			if err := jsonv2.Unmarshal(b, &it.rec); err != nil {
				return &InputError{File: name, Line: line, Err: fmt.Errorf("JSON: %w", err)}
			}
			if !emit(it) {
				return nil
			}
		}
		if err := sc.Err(); err != nil {
			return &InputError{File: name, Line: line + 1, Err: err}
		}
		return nil
	})
}

// priceColumns maps accepted CSV header names (lower-cased) to the AWS key.
var priceColumns = map[string]string{
	"availabilityzone": "AvailabilityZone", "availability_zone": "AvailabilityZone", "az": "AvailabilityZone",
	"instancetype": "InstanceType", "instance_type": "InstanceType",
	"productdescription": "ProductDescription", "product_description": "ProductDescription", "product": "ProductDescription",
	"spotprice": "SpotPrice", "spot_price": "SpotPrice", "price": "SpotPrice",
	"timestamp": "Timestamp", "time": "Timestamp",
}

func (c *priceCollector) readCSV(br *bufio.Reader, name string, head []byte) error {
	cr := csv.NewReader(br)
	firstLine := head
	if i := bytes.IndexByte(firstLine, '\n'); i >= 0 {
		firstLine = firstLine[:i]
	}
	if bytes.IndexByte(firstLine, '\t') >= 0 {
		cr.Comma = '\t'
	}
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return &InputError{File: name, Line: 1, Err: fmt.Errorf("reading CSV header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if k, ok := priceColumns[h]; ok {
			col[k] = i
		}
	}
	for _, k := range []string{"AvailabilityZone", "InstanceType", "SpotPrice", "Timestamp"} {
		if _, ok := col[k]; !ok {
			return &InputError{File: name, Line: 1, Field: k, Err: fmt.Errorf("header lacks this column (have %s)", strings.Join(header, ","))}
		}
	}
	get := func(row []string, k string) string {
		i, ok := col[k]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return &InputError{File: name, Line: line, Err: err}
		}
		rec := rawPriceRecord{
			AvailabilityZone:   get(row, "AvailabilityZone"),
			InstanceType:       get(row, "InstanceType"),
			ProductDescription: get(row, "ProductDescription"),
			SpotPrice:          get(row, "SpotPrice"),
			Timestamp:          get(row, "Timestamp"),
		}
		if _, ok := col["ProductDescription"]; !ok {
			// A CSV without the column is taken to be of the product asked for.
			rec.ProductDescription = c.product
			if c.product == AllProducts {
				rec.ProductDescription = DefaultProduct
			}
		}
		if err := c.add(name, line, 0, &rec); err != nil {
			return err
		}
	}
}

func (c *priceCollector) finish() (*PriceHistory, error) {
	if len(c.recs) == 0 {
		if c.stats.Records > 0 {
			return nil, fmt.Errorf("no spot-price records for product %q (skipped %d of other products: %v)", c.product, c.stats.Skipped(), c.stats.SkippedByProduct)
		}
		return nil, errors.New("no spot-price records")
	}
	// Stable, so that equal (market, time) keep reading order for counting.
	slices.SortStableFunc(c.recs, func(a, b keptPrice) int {
		if a.market != b.market {
			return cmp.Compare(a.market, b.market)
		}
		return cmp.Compare(a.t, b.t)
	})
	h := &PriceHistory{Series: make(map[model.MarketKey]*model.PriceSeries, len(c.keys))}
	for start := 0; start < len(c.recs); {
		end := start
		for end < len(c.recs) && c.recs[end].market == c.recs[start].market {
			end++
		}
		times := make([]int64, 0, end-start)
		prices := make([]float64, 0, end-start)
		for _, r := range c.recs[start:end] {
			if n := len(times); n > 0 && times[n-1] == r.t {
				if prices[n-1] == r.price {
					c.stats.Duplicates++
				} else {
					c.stats.Conflicts++
					prices[n-1] = max(prices[n-1], r.price)
				}
				continue
			}
			times = append(times, r.t)
			prices = append(prices, r.price)
		}
		s, err := model.NewPriceSeries(times, prices)
		if err != nil {
			return nil, err
		}
		h.Series[c.keys[c.recs[start].market]] = s
		c.stats.Kept += len(times)
		start = end
	}
	h.Stats = c.stats
	c.recs = nil
	return h, nil
}
