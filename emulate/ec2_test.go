package emulate

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/scalite/scalite/model"
)

// region is the EC2 emulator on loopback with a fake clock, spoken to by
// aws-sdk-go-v2's EC2 client without retries.
type region struct {
	emu *EC2
	c   *ec2.Client
	now time.Time
}

func newRegion(t *testing.T) *region {
	t.Helper()
	r := &region{emu: NewEC2(), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	r.emu.Clock = func() time.Time { return r.now }
	r.emu.RunningAfter = 30 * time.Second
	srv := httptest.NewServer(r.emu)
	t.Cleanup(srv.Close)
	r.c = ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), HTTPClient: srv.Client()})
	return r
}

func runInput(typ, az, token string, n int32, spot bool) *ec2.RunInstancesInput {
	in := &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceType(typ), MinCount: aws.Int32(n), MaxCount: aws.Int32(n),
		Placement: &types.Placement{AvailabilityZone: aws.String(az)},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
			Tags: []types.Tag{{Key: aws.String("scalite:fleet"), Value: aws.String("f")}}}}}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	if spot {
		in.InstanceMarketOptions = &types.InstanceMarketOptionsRequest{MarketType: types.MarketTypeSpot}
	}
	return in
}

func (r *region) run(t *testing.T, in *ec2.RunInstancesInput) *ec2.RunInstancesOutput {
	t.Helper()
	out, err := r.c.RunInstances(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ids(is []types.Instance) []string {
	var out []string
	for _, in := range is {
		out = append(out, aws.ToString(in.InstanceId))
	}
	return out
}

// apiError returns the code and HTTP status of an SDK error.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

func (r *region) describe(t *testing.T, in *ec2.DescribeInstancesInput) []types.Instance {
	t.Helper()
	if in == nil {
		in = &ec2.DescribeInstancesInput{}
	}
	out, err := r.c.DescribeInstances(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var all []types.Instance
	for _, res := range out.Reservations {
		all = append(all, res.Instances...)
	}
	return all
}

func TestClientTokenReturnsOriginalReservationAfterTermination(t *testing.T) {
	r := newRegion(t)
	in := runInput("c5a.4xlarge", "eu-west-1a", "launch-1", 2, true)
	first := r.run(t, in)
	if _, err := r.c.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: ids(first.Instances)}); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(23 * time.Hour)
	again := r.run(t, in)
	if aws.ToString(again.ReservationId) != aws.ToString(first.ReservationId) || len(again.Instances) != 2 ||
		ids(again.Instances)[0] != ids(first.Instances)[0] || ids(again.Instances)[1] != ids(first.Instances)[1] {
		t.Fatalf("first %v %v, again %v %v", aws.ToString(first.ReservationId), ids(first.Instances), aws.ToString(again.ReservationId), ids(again.Instances))
	}
	if again.Instances[0].State.Name != types.InstanceStateNameTerminated || r.emu.Launched() != 2 || len(r.emu.Live()) != 0 {
		t.Fatalf("state %s, launched %d, live %v", again.Instances[0].State.Name, r.emu.Launched(), r.emu.Live())
	}
	if got := r.emu.LaunchesByToken("launch-1"); len(got) != 2 || r.emu.Reservations() != 1 {
		t.Fatalf("by token %v, %d reservations", got, r.emu.Reservations())
	}
}

func TestIdempotentParameterMismatch(t *testing.T) {
	r := newRegion(t)
	r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "launch-1", 1, true))
	_, err := r.c.RunInstances(context.Background(), runInput("m5.4xlarge", "eu-west-1a", "launch-1", 1, true))
	if code, status := apiError(t, err); code != "IdempotentParameterMismatch" || status != 400 {
		t.Fatalf("got %s %d", code, status)
	}
	_, err = r.c.RunInstances(context.Background(), runInput("c5a.4xlarge", "eu-west-1a", "launch-1", 2, true))
	if code, _ := apiError(t, err); code != "IdempotentParameterMismatch" {
		t.Fatalf("count changed: %s", code)
	}
	// Only the Availability Zone differs: the original reservation.
	out := r.run(t, runInput("c5a.4xlarge", "eu-west-1b", "launch-1", 1, true))
	if aws.ToString(out.Instances[0].Placement.AvailabilityZone) != "eu-west-1a" || r.emu.Launched() != 1 {
		t.Fatalf("zone retry: %+v, launched %d", out.Instances[0].Placement, r.emu.Launched())
	}
}

func TestFailedLaunchDoesNotBindToken(t *testing.T) {
	r := newRegion(t)
	r.emu.RefuseCapacity(model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}, 1)
	in := runInput("c5a.4xlarge", "eu-west-1a", "launch-1", 1, false)
	if _, err := r.c.RunInstances(context.Background(), in); err == nil {
		t.Fatal("refused launch succeeded")
	}
	if out := r.run(t, in); len(out.Instances) != 1 || r.emu.Launched() != 1 {
		t.Fatalf("retry after a failure: %v", ids(out.Instances))
	}
}

func TestDescribeLagHidesNewInstance(t *testing.T) {
	r := newRegion(t)
	r.emu.DescribeLag = time.Minute
	out := r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "", 1, false))
	id := ids(out.Instances)[0]
	if got := r.describe(t, nil); len(got) != 0 {
		t.Fatalf("visible at once: %v", ids(got))
	}
	for name, err := range map[string]error{
		"DescribeInstances": func() error {
			_, err := r.c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			return err
		}(),
		"CreateTags": func() error {
			_, err := r.c.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}(),
	} {
		if code, status := apiError(t, err); code != "InvalidInstanceID.NotFound" || status != 400 {
			t.Fatalf("%s during the lag: %s %d", name, code, status)
		}
	}
	r.now = r.now.Add(time.Minute)
	if got := r.describe(t, nil); len(got) != 1 || ids(got)[0] != id {
		t.Fatalf("after the lag: %v", ids(got))
	}
}

func TestDescribeLagStaggered(t *testing.T) {
	r := newRegion(t)
	r.emu.DescribeLag, r.emu.DescribeStagger = 10*time.Second, 20*time.Second
	r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "", 3, false))
	start := r.now
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{0, 0}, {10 * time.Second, 1}, {29 * time.Second, 1}, {30 * time.Second, 2}, {50 * time.Second, 3}} {
		r.now = start.Add(tc.at)
		if got := r.describe(t, nil); len(got) != tc.want {
			t.Errorf("at +%s: %d visible, want %d", tc.at, len(got), tc.want)
		}
	}
}

func TestLifecyclePendingRunningShuttingDownTerminated(t *testing.T) {
	r := newRegion(t)
	r.emu.ShuttingDownFor = 20 * time.Second
	id := ids(r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "", 1, false)).Instances)[0]
	state := func() types.InstanceStateName {
		return r.describe(t, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})[0].State.Name
	}
	if s := state(); s != types.InstanceStateNamePending {
		t.Fatalf("new: %s", s)
	}
	r.now = r.now.Add(30 * time.Second)
	if s := state(); s != types.InstanceStateNameRunning {
		t.Fatalf("after RunningAfter: %s", s)
	}
	out, err := r.c.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if c := out.TerminatingInstances[0]; c.CurrentState.Name != types.InstanceStateNameShuttingDown || c.PreviousState.Name != types.InstanceStateNameRunning {
		t.Fatalf("terminate answered %s <- %s", c.CurrentState.Name, c.PreviousState.Name)
	}
	if s := state(); s != types.InstanceStateNameShuttingDown {
		t.Fatalf("after terminate: %s", s)
	}
	r.now = r.now.Add(20 * time.Second)
	if s := state(); s != types.InstanceStateNameTerminated {
		t.Fatalf("after shutting down: %s", s)
	}
	out, _ = r.c.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if c := out.TerminatingInstances[0]; c.CurrentState.Name != types.InstanceStateNameTerminated {
		t.Fatalf("terminating again: %s", c.CurrentState.Name)
	}
	// Terminated instances drop out of DescribeInstances after about an hour.
	r.now = r.now.Add(time.Hour)
	if _, err := r.c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}); err == nil {
		t.Fatal("terminated instance still described after an hour")
	}
}

func TestUnknownInstanceIDNotFound(t *testing.T) {
	r := newRegion(t)
	ctx := context.Background()
	unknown := "i-0123456789abcdef0"
	_, e1 := r.c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{unknown}})
	_, e2 := r.c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{unknown}})
	_, e3 := r.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{unknown}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	for _, err := range []error{e1, e2, e3} {
		if code, status := apiError(t, err); code != "InvalidInstanceID.NotFound" || status != 400 {
			t.Fatalf("got %s %d", code, status)
		}
	}
	_, err := r.c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}})
	if code, _ := apiError(t, err); code != "InvalidInstanceID.Malformed" {
		t.Fatalf("malformed: %s", code)
	}
}

func TestLaunchErrorsPerPoolAndMarket(t *testing.T) {
	a := model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}
	for _, tc := range []struct {
		code   string
		status int
	}{
		{"InsufficientInstanceCapacity", 500},
		{"Unsupported", 400},
		{"InstanceLimitExceeded", 400},
		{"InsufficientFreeAddressesInSubnet", 400},
		{"RequestLimitExceeded", 503},
	} {
		r := newRegion(t)
		r.emu.FailLaunches(a, MarketSpot, tc.code, -1)
		_, err := r.c.RunInstances(context.Background(), runInput(a.InstanceType, a.AZ, "", 1, true))
		if code, status := apiError(t, err); code != tc.code || status != tc.status {
			t.Errorf("%s: got %s %d", tc.code, code, status)
		}
		// The same pool on demand, and spot in another zone, still launch.
		r.run(t, runInput(a.InstanceType, a.AZ, "", 1, false))
		r.run(t, runInput(a.InstanceType, "eu-west-1b", "", 1, true))
		// Until told otherwise.
		if _, err := r.c.RunInstances(context.Background(), runInput(a.InstanceType, a.AZ, "", 1, true)); err == nil {
			t.Errorf("%s: cleared by itself", tc.code)
		}
	}
}

func TestRefuseCapacityCountsDown(t *testing.T) {
	r := newRegion(t)
	k := model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}
	r.emu.RefuseCapacity(k, 2)
	for i, want := range []bool{false, false, true} {
		_, err := r.c.RunInstances(context.Background(), runInput(k.InstanceType, k.AZ, "", 1, i%2 == 0))
		if (err == nil) != want {
			t.Fatalf("launch %d: %v", i, err)
		}
		if err != nil {
			// A server error (500) either way; the SDK's standard retryer
			// would retry it.
			if code, status := apiError(t, err); code != "InsufficientInstanceCapacity" || status != 500 {
				t.Fatalf("launch %d: %s %d", i, code, status)
			}
		}
	}
}

func TestThrottleIsRequestLimitExceeded(t *testing.T) {
	r := newRegion(t)
	r.emu.Throttle(1)
	_, err := r.c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	if code, status := apiError(t, err); code != "RequestLimitExceeded" || status != 503 {
		t.Fatalf("got %s %d", code, status)
	}
	r.describe(t, nil)
}

func TestInterruptGoesThroughShuttingDown(t *testing.T) {
	r := newRegion(t)
	r.emu.ShuttingDownFor = 10 * time.Second
	id := ids(r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "", 1, true)).Instances)[0]
	r.now = r.now.Add(time.Minute)
	r.emu.Interrupt(id)
	if s := r.emu.State(id); s != "shutting-down" {
		t.Fatalf("interrupted: %s", s)
	}
	r.now = r.now.Add(10 * time.Second)
	got := r.describe(t, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})[0]
	if got.State.Name != types.InstanceStateNameTerminated || aws.ToString(got.StateReason.Code) != "Server.SpotInstanceTermination" {
		t.Fatalf("after: %s %v", got.State.Name, aws.ToString(got.StateReason.Code))
	}
}

func TestSDKParsesEverything(t *testing.T) {
	r := newRegion(t)
	r.emu.Prices = map[model.MarketKey]*model.PriceSeries{}
	ts := []int64{r.now.Add(-2 * time.Hour).Unix(), r.now.Add(-time.Hour).Unix()}
	s, err := model.NewPriceSeries(ts, []float64{0.2, 0.25})
	if err != nil {
		t.Fatal(err)
	}
	r.emu.Prices[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}] = s
	out := r.run(t, runInput("c5a.4xlarge", "eu-west-1a", "tok", 2, true))
	id := ids(out.Instances)[0]
	if _, err := r.c.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("scalite:state"), Value: aws.String("a<b&c")}}}); err != nil {
		t.Fatal(err)
	}
	got := r.describe(t, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:scalite:fleet"), Values: []string{"f"}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
		{Name: aws.String("instance-lifecycle"), Values: []string{"spot"}},
	}})
	if len(got) != 2 {
		t.Fatalf("filtered: %v", ids(got))
	}
	in := got[0]
	if in.InstanceType != "c5a.4xlarge" || aws.ToString(in.Placement.AvailabilityZone) != "eu-west-1a" || in.InstanceLifecycle != types.InstanceLifecycleTypeSpot ||
		aws.ToString(in.ClientToken) != "tok" || !aws.ToTime(in.LaunchTime).Equal(r.now) || aws.ToInt32(in.AmiLaunchIndex) != 0 {
		t.Fatalf("instance %+v", in)
	}
	if tags := r.emu.Tags(id); tags["scalite:state"] != "a<b&c" || tags["scalite:fleet"] != "f" {
		t.Fatalf("tags %v", tags)
	}
	found := false
	for _, tg := range in.Tags {
		found = found || (aws.ToString(tg.Key) == "scalite:state" && aws.ToString(tg.Value) == "a<b&c")
	}
	if !found {
		t.Fatalf("SDK tags %+v", in.Tags)
	}
	// Pages of one.
	var seen int
	p := ec2.NewDescribeInstancesPaginator(r.c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range page.Reservations {
			seen += len(res.Instances)
		}
	}
	if seen != 2 {
		t.Fatalf("paged %d", seen)
	}
	hist, err := r.c.DescribeSpotPriceHistory(context.Background(), &ec2.DescribeSpotPriceHistoryInput{
		StartTime: aws.Time(r.now.Add(-90 * time.Minute)), EndTime: aws.Time(r.now), InstanceTypes: []types.InstanceType{"c5a.4xlarge"}})
	if err != nil || len(hist.SpotPriceHistory) != 2 || aws.ToString(hist.SpotPriceHistory[0].SpotPrice) != "0.250000" {
		t.Fatalf("history %v %+v", err, hist)
	}
}
