package live

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// PriceQuery is describe-spot-price-history's filter.
type PriceQuery struct {
	InstanceTypes       []string
	AvailabilityZone    string
	ProductDescriptions []string
	Start, End          time.Time
}

// FetchPrices reads every page of DescribeSpotPriceHistory.
func FetchPrices(ctx context.Context, api EC2API, q PriceQuery) ([]datasets.PriceRecord, error) {
	in := &ec2.DescribeSpotPriceHistoryInput{ProductDescriptions: q.ProductDescriptions, MaxResults: aws.Int32(1000)}
	for _, t := range q.InstanceTypes {
		in.InstanceTypes = append(in.InstanceTypes, types.InstanceType(t))
	}
	if q.AvailabilityZone != "" {
		in.AvailabilityZone = aws.String(q.AvailabilityZone)
	}
	if !q.Start.IsZero() {
		in.StartTime = aws.Time(q.Start)
	}
	if !q.End.IsZero() {
		in.EndTime = aws.Time(q.End)
	}
	var out []datasets.PriceRecord
	p := ec2.NewDescribeSpotPriceHistoryPaginator(api, in)
	for page := 1; p.HasMorePages(); page++ {
		resp, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe-spot-price-history page %d: %w", page, err)
		}
		for i, r := range resp.SpotPriceHistory {
			price, err := strconv.ParseFloat(aws.ToString(r.SpotPrice), 64)
			if err != nil || r.Timestamp == nil {
				return nil, fmt.Errorf("describe-spot-price-history page %d record %d: bad price %q or no timestamp", page, i+1, aws.ToString(r.SpotPrice))
			}
			out = append(out, datasets.PriceRecord{
				Market:  model.MarketKey{InstanceType: string(r.InstanceType), AZ: aws.ToString(r.AvailabilityZone)},
				Product: string(r.ProductDescription), USDPerHour: price, Time: r.Timestamp.Unix(),
			})
		}
	}
	return out, nil
}

// CurrentPrices is the price in effect now in each market: a query that
// starts now returns the last change before it, as AWS documents.
func CurrentPrices(ctx context.Context, api EC2API, markets []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
	typeSet := map[string]bool{}
	var typesList []string
	for _, m := range markets {
		if !typeSet[m.InstanceType] {
			typeSet[m.InstanceType] = true
			typesList = append(typesList, m.InstanceType)
		}
	}
	recs, err := FetchPrices(ctx, api, PriceQuery{InstanceTypes: typesList, ProductDescriptions: []string{datasets.DefaultProduct}, Start: now, End: now})
	if err != nil {
		return nil, err
	}
	latest := map[model.MarketKey]datasets.PriceRecord{}
	for _, r := range recs {
		if prev, ok := latest[r.Market]; !ok || r.Time > prev.Time {
			latest[r.Market] = r
		}
	}
	out := map[model.MarketKey]float64{}
	for _, m := range markets {
		if r, ok := latest[m]; ok {
			out[m] = r.USDPerHour
		}
	}
	return out, nil
}
