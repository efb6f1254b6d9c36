package live_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

func emulatedEC2(t testing.TB) (*emulate.EC2, *ec2.Client) {
	t.Helper()
	emu := emulate.NewEC2()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), HTTPClient: srv.Client()})
}

func TestFleetAgainstEmulatedEC2(t *testing.T) {
	emu, c := emulatedEC2(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fleet, _ := live.NewFleet(c, "f", "bbb")
	req := live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Spot: true, MaxPrice: 0.6, Count: 2, ClientToken: "tok-1"}
	a, err := fleet.Launch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The same token again (a retry, or a restarted controller): nothing new.
	b, err := fleet.Launch(ctx, req)
	if err != nil || len(b) != 2 || a[0] != b[0] || a[1] != b[1] || emu.Launched() != 2 {
		t.Fatalf("retry with the same token: %v vs %v, %d launched, %v", a, b, emu.Launched(), err)
	}
	// No capacity (a server error, which the SDK retries: refuse every try):
	// ErrNoCapacity, which marks the pool unavailable.
	emu.RefuseCapacity(model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1b"}, -1)
	_, err = fleet.Launch(ctx, live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1b", Spot: true, MaxPrice: 0.6, Count: 1, ClientToken: "tok-2"})
	if !errors.Is(err, live.ErrNoCapacity) {
		t.Fatalf("want ErrNoCapacity, got %v", err)
	}
	emu.RefuseCapacity(model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1b"}, 0)
	// Throttling is retried by the SDK's standard retryer.
	emu.Throttle(2)
	insts, err := fleet.Instances(ctx)
	if err != nil || len(insts) != 2 || !insts[0].Spot || insts[0].Tags[live.TagFleet] != "f" {
		t.Fatalf("instances %+v, %v", insts, err)
	}
	// A launch whose answer times out still happened; the retry with the
	// same client token returns it instead of launching again.
	emu.Stall(1, 800*time.Millisecond)
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	req3 := live.LaunchRequest{Type: "m5.4xlarge", AZ: "eu-west-1c", Count: 1, ClientToken: "tok-3"}
	if _, err := fleet.Launch(short, req3); err == nil {
		t.Fatal("a stalled launch did not time out")
	}
	cancelShort()
	time.Sleep(700 * time.Millisecond) // the stalled call completes server-side
	launchedBefore := emu.Launched()
	ids3, err := fleet.Launch(ctx, req3)
	if err != nil || len(ids3) != 1 || emu.Launched() != launchedBefore {
		t.Fatalf("retry after a timeout: %v, %v, launched %d -> %d", ids3, err, launchedBefore, emu.Launched())
	}
	emu.Interrupt(a[0])
	if insts, _ := fleet.Instances(ctx); len(insts) != 2 {
		t.Fatalf("after an interruption: %+v", insts)
	}
}
