package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// EC2API lists the EC2 calls Scalite makes, and nothing else: the SDK
// client satisfies it, and so can a test double.
type EC2API interface {
	RunInstances(ctx context.Context, in *ec2.RunInstancesInput, opts ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	TerminateInstances(ctx context.Context, in *ec2.TerminateInstancesInput, opts ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, opts ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DescribeSpotPriceHistory(ctx context.Context, in *ec2.DescribeSpotPriceHistoryInput, opts ...func(*ec2.Options)) (*ec2.DescribeSpotPriceHistoryOutput, error)
}

// Tags Scalite puts on the instances it launches. Only instances with the
// fleet tag are ever touched.
const (
	TagFleet       = "scalite:fleet"
	TagKind        = "scalite:kind" // spot | on-demand
	TagServerTag   = "scalite:server-tag"
	TagScaleliteID = "scalite:scalelite-id"
	TagNotice      = "scalite:notice"     // set by the agent: rebalance@T or terminate@T
	TagRecordings  = "scalite:recordings" // set by the agent: recordings still processing
	TagMeetingsEnd = "scalite:meetings-ended"
	TagName        = "Name"
)

// ErrNoCapacity marks launch errors that mean "this pool cannot be had now".
var ErrNoCapacity = errors.New("no capacity in the pool")

// noCapacityCodes are the EC2 error codes that make a pool unavailable for
// a while rather than being bugs.
var noCapacityCodes = []string{"InsufficientInstanceCapacity", "MaxSpotInstanceCountExceeded", "VcpuLimitExceeded",
	"UnfulfillableCapacity", "SpotMaxPriceTooLow", "InsufficientCapacity"}

// Instance is one fleet instance as EC2 describes it.
type Instance struct {
	ID, Type, AZ, State string
	Spot                bool
	LaunchTime          time.Time
	PrivateDNS          string
	Tags                map[string]string
}

// Fleet reads and changes the instances of one fleet.
type Fleet struct {
	api            EC2API
	name           string
	launchTemplate string
}

// NewFleet binds an EC2 client to a fleet name (the value of TagFleet) and
// the launch template new servers start from.
func NewFleet(api EC2API, name, launchTemplate string) (*Fleet, error) {
	if name == "" {
		return nil, errors.New("fleet: empty fleet name")
	}
	return &Fleet{api: api, name: name, launchTemplate: launchTemplate}, nil
}

// Name is the fleet's tag value.
func (f *Fleet) Name() string { return f.name }

// Instances lists the fleet's live instances (pending or running), by ID.
func (f *Fleet) Instances(ctx context.Context) ([]Instance, error) {
	in := &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + TagFleet), Values: []string{f.name}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}}
	var out []Instance
	p := ec2.NewDescribeInstancesPaginator(f.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing fleet %s: %w", f.name, err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				inst := Instance{ID: aws.ToString(i.InstanceId), Type: string(i.InstanceType), PrivateDNS: aws.ToString(i.PrivateDnsName),
					Spot: i.InstanceLifecycle == types.InstanceLifecycleTypeSpot, Tags: map[string]string{}}
				if i.State != nil {
					inst.State = string(i.State.Name)
				}
				if i.Placement != nil {
					inst.AZ = aws.ToString(i.Placement.AvailabilityZone)
				}
				if i.LaunchTime != nil {
					inst.LaunchTime = *i.LaunchTime
				}
				for _, t := range i.Tags {
					inst.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				// Belt and braces: never take an untagged instance for ours.
				if inst.Tags[TagFleet] != f.name {
					continue
				}
				if k := inst.Tags[TagKind]; k != "" {
					inst.Spot = k == "spot"
				}
				out = append(out, inst)
			}
		}
	}
	slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// LaunchRequest is one launch: Count servers of Type in AZ.
type LaunchRequest struct {
	Type, AZ  string
	Spot      bool
	MaxPrice  float64
	Count     int
	ServerTag string
	// ClientToken makes the call idempotent: a retry with the same token
	// creates nothing new.
	ClientToken string
}

// ClientToken derives a launch's idempotency token from what the plan was
// made of: the fleet's instances then and the launch itself. A controller
// that restarts and plans again from the same observation sends the same
// token, so EC2 returns the first call's instances instead of new ones.
func ClientToken(fleet string, observed []string, req LaunchRequest, ordinal int) string {
	h := sha256.New()
	ids := slices.Clone(observed)
	slices.Sort(ids)
	fmt.Fprintf(h, "%s|%s|%s|%s|%v|%d|%d", fleet, strings.Join(ids, ","), req.Type, req.AZ, req.Spot, req.Count, ordinal)
	return "scalite-" + hex.EncodeToString(h.Sum(nil))[:48]
}

// Launch starts instances from the launch template, tagged at launch.
func (f *Fleet) Launch(ctx context.Context, req LaunchRequest) ([]string, error) {
	kind := "on-demand"
	if req.Spot {
		kind = "spot"
	}
	tags := []types.Tag{{Key: aws.String(TagFleet), Value: aws.String(f.name)}, {Key: aws.String(TagKind), Value: aws.String(kind)},
		{Key: aws.String(TagName), Value: aws.String("scalite-" + f.name)}}
	if req.ServerTag != "" {
		tags = append(tags, types.Tag{Key: aws.String(TagServerTag), Value: aws.String(req.ServerTag)})
	}
	in := &ec2.RunInstancesInput{
		MinCount: aws.Int32(int32(req.Count)), MaxCount: aws.Int32(int32(req.Count)),
		InstanceType: types.InstanceType(req.Type),
		Placement:    &types.Placement{AvailabilityZone: aws.String(req.AZ)},
		ClientToken:  aws.String(req.ClientToken),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: tags},
			{ResourceType: types.ResourceTypeVolume, Tags: tags[:1]},
		},
	}
	if f.launchTemplate != "" {
		in.LaunchTemplate = &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String(f.launchTemplate)}
	}
	if req.Spot {
		in.InstanceMarketOptions = &types.InstanceMarketOptionsRequest{
			MarketType: types.MarketTypeSpot,
			SpotOptions: &types.SpotMarketOptions{
				MaxPrice:                     aws.String(strconv.FormatFloat(req.MaxPrice, 'f', 4, 64)),
				SpotInstanceType:             types.SpotInstanceTypeOneTime,
				InstanceInterruptionBehavior: types.InstanceInterruptionBehaviorTerminate,
			},
		}
	}
	out, err := f.api.RunInstances(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && slices.Contains(noCapacityCodes, ae.ErrorCode()) {
			return nil, fmt.Errorf("launching %d %s in %s: %w (%s)", req.Count, req.Type, req.AZ, ErrNoCapacity, ae.ErrorCode())
		}
		return nil, fmt.Errorf("launching %d %s in %s: %w", req.Count, req.Type, req.AZ, err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	return ids, nil
}

// Terminate ends instances. The caller has checked each carries the fleet tag.
func (f *Fleet) Terminate(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := f.api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	if err != nil {
		return fmt.Errorf("terminating %v: %w", ids, err)
	}
	return nil
}

// Tag sets one tag on an instance.
func (f *Fleet) Tag(ctx context.Context, id, key, value string) error {
	_, err := f.api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(key), Value: aws.String(value)}}})
	if err != nil {
		return fmt.Errorf("tagging %s: %w", id, err)
	}
	return nil
}
