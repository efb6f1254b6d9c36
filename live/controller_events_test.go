package live_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
)

type alerts struct {
	mu  sync.Mutex
	got []live.Alert
}

func (a *alerts) add(x live.Alert) { a.mu.Lock(); a.got = append(a.got, x); a.mu.Unlock() }
func (a *alerts) kinds() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := map[string]int{}
	for _, x := range a.got {
		m[x.Kind]++
	}
	return m
}

// TestQueueInterruptionActsAtOnce: an EventBridge interruption warning on
// the queue (for a server whose agent is dead) is tagged on the instance
// as the agent would, asks for a reconcile at once, and that reconcile
// cordons and replaces the server; the people on call hear of it, with the
// meetings affected.
func TestQueueInterruptionActsAtOnce(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min = 2
	c := r.controller(true)
	var got alerts
	c.Alert = got.add
	r.settle(c, 8*time.Minute)
	spot := r.spotServer()
	r.sl.SetMeetings(r.bbbURL(spot), meetings("seminar", 40))
	r.reconcile(c)
	// The queue, in the protocol the SDK speaks (emulate.SQS), fed with
	// EventBridge's documented event shape.
	queue := emulate.NewSQS("interruptions")
	srv := httptest.NewServer(queue)
	defer srv.Close()
	client := sqs.New(sqs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, HTTPClient: srv.Client()})
	q := live.NewInterruptionQueue(client, queue.QueueURL(srv.URL, "interruptions"), c.Owns, live.QueueOptions{Wait: time.Millisecond})
	if err := queue.SendSpotInterruption(spot, r.clock()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := q.Poll(ctx, c.HandleFleetEvent); err != nil || n != 1 {
		t.Fatalf("polled %d events: %v", n, err)
	}
	if tag := r.ec2.Tags(spot)[live.TagInterruption]; tag != r.clock().Add(2*time.Minute).UTC().Format(time.RFC3339) {
		t.Fatalf("interruption tag %q, want the termination time two minutes after the warning", tag)
	}
	select {
	case <-c.Kicks():
	default:
		t.Fatal("no reconcile asked for")
	}
	before := r.ec2.Launched()
	rep := r.reconcile(c)
	if r.sl.State(r.bbbURL(spot)) != "cordoned" || r.ec2.Launched() == before {
		t.Fatalf("after the queue's notice: state %s, launched %d: %v", r.sl.State(r.bbbURL(spot)), r.ec2.Launched()-before, rep.Actions)
	}
	var a live.Alert
	for _, x := range got.got {
		if x.Kind == live.AlertInterruption {
			a = x
		}
	}
	if a.Server != spot || a.Participants != 40 || a.Meetings != 1 || !strings.Contains(a.Action, "cordon") || !strings.Contains(a.Action, "replacement") {
		t.Fatalf("interruption alert %+v", a)
	}
	r.reconcile(c)
	if got.kinds()[live.AlertInterruption] != 1 {
		t.Fatalf("the notice was told %d times", got.kinds()[live.AlertInterruption])
	}
}

// TestQueueNoticeDoesNotOverwriteAgentNotice: when the agent was first,
// the queue's copy of the same notice changes nothing.
func TestQueueNoticeDoesNotOverwriteAgentNotice(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min = 2
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	spot := r.spotServer()
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	agentSaid := r.clock().Add(90 * time.Second).UTC().Format(time.RFC3339)
	fleet.Tag(context.Background(), spot, live.TagInterruption, agentSaid)
	r.reconcile(c)
	if err := c.HandleFleetEvent(context.Background(), live.FleetEvent{InstanceID: spot, Kind: live.EventInterruption, Time: r.clock()}); err != nil {
		t.Fatal(err)
	}
	if tag := r.ec2.Tags(spot)[live.TagInterruption]; tag != agentSaid {
		t.Fatalf("the queue overwrote the agent's notice: %s", tag)
	}
}

// TestAlertsForHaltGuardAndNeverBooted: the people on call hear when the
// controller halts, when a server never booted, and when capacity fails.
func TestAlertsForHaltGuardAndNeverBooted(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min, r.policy.OnDemandBase = 1, 1
	c := r.controller(true)
	var got alerts
	c.Alert = got.add
	r.reconcile(c)
	r.neverBoots[r.ec2.Live()[0]] = true
	r.settle(c, time.Duration(r.policy.BootTimeout)*time.Second+2*time.Minute)
	r.sl.Allowed = []string{"SHA512"} // the controller signs with SHA-256: refused
	if _, err := c.Reconcile(context.Background()); err == nil {
		t.Fatal("reconcile against a refusing Scalelite succeeded")
	}
	k := got.kinds()
	if k[live.AlertNeverBooted] != 1 || k[live.AlertHalt] != 1 {
		t.Fatalf("alerts %v", k)
	}
	for _, a := range got.got {
		if strings.Contains(a.What+a.Action, lbSecretRH) || strings.Contains(a.What+a.Action, "checksum=") {
			t.Fatalf("an alert carries a credential: %+v", a)
		}
	}
}
