package live

import (
	"context"
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
	TagNotice      = "scalite:notice" // deprecated: the agent's notice before separate tags
	// TagLaunch is the client token of the launch that made the instance:
	// the launch journal recognises its launches by it after a restart.
	TagLaunch = "scalite:launch"
	// TagState is the Scalelite state Scalite last set (enabled, cordoned)
	// or "registered"; a server whose state differs was changed by an
	// operator and is left alone.
	TagState       = "scalite:state"
	TagRecordings  = "scalite:recordings" // set by the agent: recordings still processing
	TagMeetingsEnd = "scalite:meetings-ended"
	TagName        = "Name"
)

// ErrNoCapacity marks launch errors that mean "this pool cannot give you
// capacity now": retrying it at once would fail again, so the pool is
// avoided for a while and the engine plans elsewhere.
var ErrNoCapacity = errors.New("no capacity in the pool")

// ErrUnsupported marks a launch into a pool that cannot exist: the type is
// not offered in that zone. The pool is avoided for a day.
var ErrUnsupported = errors.New("instance type not offered in the zone")

// poolErrorCodes are the EC2 error codes that say the pool (type, zone,
// market) cannot be had now, from "Error codes for the Amazon EC2 API"
// (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):
// capacity and price errors, and the account and subnet limits that a
// retry into the same pool would hit again.
var poolErrorCodes = []string{"InsufficientInstanceCapacity", "InsufficientCapacity", "InsufficientHostCapacity",
	"MaxSpotInstanceCountExceeded", "VcpuLimitExceeded", "InstanceLimitExceeded", "UnfulfillableCapacity",
	"SpotMaxPriceTooLow", "InsufficientFreeAddressesInSubnet", "InsufficientReservedInstanceCapacity"}

// LaunchError is a launch EC2 refused, with its error code.
type LaunchError struct {
	Request LaunchRequest
	Code    string
	err     error
	class   error // ErrNoCapacity, ErrUnsupported or nil
}

func (e *LaunchError) Error() string {
	market := "on-demand"
	if e.Request.Spot {
		market = "spot"
	}
	return fmt.Sprintf("launching %d %s %s in %s: %v", e.Request.Count, market, e.Request.Type, e.Request.AZ, e.err)
}

// Unwrap exposes the class (errors.Is(err, ErrNoCapacity)) and the cause.
func (e *LaunchError) Unwrap() []error {
	if e.class != nil {
		return []error{e.class, e.err}
	}
	return []error{e.err}
}

// classifyLaunch tells what a failed RunInstances means for the pool.
func classifyLaunch(req LaunchRequest, err error) error {
	le := &LaunchError{Request: req, err: err}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		le.Code = ae.ErrorCode()
		switch {
		case le.Code == "Unsupported":
			le.class = ErrUnsupported
		case slices.Contains(poolErrorCodes, le.Code):
			le.class = ErrNoCapacity
		}
	}
	return le
}

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
	return f.describe(ctx, "pending", "running")
}

// Gone lists the fleet's instances that are shutting down or terminated
// (EC2 lists a terminated instance for about an hour): their Scalelite
// entries are Scalite's to remove.
func (f *Fleet) Gone(ctx context.Context) ([]Instance, error) {
	return f.describe(ctx, "shutting-down", "terminated")
}

func (f *Fleet) describe(ctx context.Context, states ...string) ([]Instance, error) {
	in := &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + TagFleet), Values: []string{f.name}},
		{Name: aws.String("instance-state-name"), Values: states},
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
	// creates nothing new. One launch intent has one token, for all its
	// retries and restarts, and no other intent ever uses it (see
	// LaunchJournal): EC2 returns the original reservation for a token
	// for at least 24 hours after its instances terminate.
	ClientToken string
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
	if req.ClientToken != "" {
		tags = append(tags, types.Tag{Key: aws.String(TagLaunch), Value: aws.String(req.ClientToken)})
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
	if req.ClientToken == "" {
		return nil, fmt.Errorf("launching %d %s in %s: no client token: every launch must be idempotent", req.Count, req.Type, req.AZ)
	}
	out, err := f.api.RunInstances(ctx, in)
	if err != nil {
		return nil, classifyLaunch(req, err)
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
