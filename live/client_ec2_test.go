package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

func TestFleetAgainstMoto(t *testing.T) {
	c := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	launchTemplate(t, c, "bbb")
	fleet, err := live.NewFleet(c, "test-fleet", "bbb")
	if err != nil {
		t.Fatal(err)
	}
	spot, err := fleet.Launch(ctx, live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Spot: true, MaxPrice: 0.5, Count: 2, ClientToken: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	od, err := fleet.Launch(ctx, live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1b", Count: 1, ServerTag: model.LargeMeetingTag, ClientToken: "t2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(spot) != 2 || len(od) != 1 {
		t.Fatalf("launched %v and %v", spot, od)
	}
	// An instance without the fleet tag exists too, and must never be seen.
	other, err := c.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: types.InstanceTypeT3Micro,
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("bbb")}})
	if err != nil {
		t.Fatal(err)
	}
	insts, err := fleet.Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 3 {
		t.Fatalf("fleet instances %+v, want 3 (the untagged one left out)", insts)
	}
	kinds := map[string]int{}
	for _, i := range insts {
		if i.ID == aws.ToString(other.Instances[0].InstanceId) {
			t.Fatal("an untagged instance is in the fleet")
		}
		if i.Spot {
			kinds["spot"]++
		} else {
			kinds["od"]++
			if i.Tags[live.TagServerTag] != model.LargeMeetingTag || i.AZ != "eu-west-1b" {
				t.Errorf("on-demand instance %+v", i)
			}
		}
		if i.Type != "c5a.4xlarge" || i.Tags[live.TagFleet] != "test-fleet" {
			t.Errorf("instance %+v", i)
		}
	}
	if kinds["spot"] != 2 || kinds["od"] != 1 {
		t.Errorf("kinds %v", kinds)
	}
	if err := fleet.Tag(ctx, spot[0], live.TagScaleliteID, "sl-1"); err != nil {
		t.Fatal(err)
	}
	if err := fleet.Terminate(ctx, spot[1]); err != nil {
		t.Fatal(err)
	}
	insts, _ = fleet.Instances(ctx)
	if len(insts) != 2 {
		t.Fatalf("after terminate: %+v", insts)
	}
	for _, i := range insts {
		if i.ID == spot[0] && i.Tags[live.TagScaleliteID] != "sl-1" {
			t.Errorf("tag not set: %+v", i)
		}
	}

	// Prices through the paginator.
	recs, err := live.FetchPrices(ctx, c, live.PriceQuery{InstanceTypes: []string{"c5a.4xlarge"}, Start: time.Now().Add(-24 * time.Hour), End: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].USDPerHour <= 0 {
		t.Fatalf("prices %v", recs)
	}
}
