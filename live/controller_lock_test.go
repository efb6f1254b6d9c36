package live_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/scalite/scalite/internal/mototest"
	"github.com/scalite/scalite/live"
)

// syncBuffer is a log sink two goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestLockFileAdmitsOneController: two lockers on one file; the second
// waits, says who holds it, and gets it once the first releases it.
func TestLockFileAdmitsOneController(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "controller.lock")
	first := live.NewFileLock(path, nil)
	if err := first.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	second := live.NewFileLock(path, slog.New(slog.NewTextHandler(&logs, nil)))
	second.Retry = 10 * time.Millisecond
	if ok, holder, err := second.TryAcquire(); err != nil || ok || !strings.Contains(holder, "pid ") {
		t.Fatalf("second locker: held %v, holder %q, err %v; want refused, naming the holder", ok, holder, err)
	}
	got := make(chan error, 1)
	go func() { got <- second.Acquire(context.Background()) }()
	// The second controller says why it waits before it gets the lock.
	for !strings.Contains(logs.String(), "another controller holds the lock") {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-got:
		t.Fatalf("second locker got the lock while the first held it (err %v)", err)
	default:
	}
	if err := first.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := first.TryAcquire(); ok {
		t.Fatal("the first locker took the lock back while the second held it")
	}
	second.Release(context.Background())
}

// TestLockFileWaitEndsWithContext: a waiting controller stops waiting when
// told to stop.
func TestLockFileWaitEndsWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "controller.lock")
	first := live.NewFileLock(path, nil)
	if err := first.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer first.Release(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	second := live.NewFileLock(path, nil)
	if err := second.Acquire(ctx); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "held by pid") {
		t.Fatalf("err %v: want cancelled, naming the holder", err)
	}
}

// startDynamo runs moto_server and returns a DynamoDB client built from the
// standard AWS configuration with AWS_ENDPOINT_URL_DYNAMODB pointing at it,
// and a fresh lock table.
func startDynamo(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	endpoint := mototest.Start(t) // skips when moto_server is absent
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx := context.Background()
	db, err := live.NewDynamoDBClient(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	const table = "scalite-locks"
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(table), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("lock_id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("lock_id"), KeyType: ddbtypes.KeyTypeHash}}})
	if err != nil {
		t.Fatalf("creating the lock table in moto: %v", err)
	}
	return db, table
}

func lease(db live.DynamoDBAPI, table, owner string, clock *fakeClock, log *slog.Logger) *live.LeaseLock {
	return &live.LeaseLock{DB: db, Table: table, LockID: "bbb", Owner: owner, TTL: time.Minute, Clock: clock.now, Log: log}
}

// TestLeaseAdmitsOneController: against moto's DynamoDB, one controller
// holds the lease; the other is refused and told who holds it until when;
// the holder renews; a released lease is free at once; a crashed holder's
// lease is free after its TTL.
func TestLeaseAdmitsOneController(t *testing.T) {
	db, table := startDynamo(t)
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	a := lease(db, table, "controller-a", clock, nil)
	b := lease(db, table, "controller-b", clock, nil)

	if ok, _, err := a.TryAcquire(ctx); err != nil || !ok {
		t.Fatalf("a: %v %v", ok, err)
	}
	ok, h, err := b.TryAcquire(ctx)
	if err != nil || ok {
		t.Fatalf("b took a held lease: %v %v", ok, err)
	}
	if h.Owner != "controller-a" || !h.Expires.Equal(t0.Add(time.Minute)) {
		t.Fatalf("holder %+v, want controller-a until %s", h, t0.Add(time.Minute))
	}
	// a renews before expiry: b still cannot take it after the first TTL.
	clock.add(40 * time.Second)
	if err := a.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(40 * time.Second)
	if ok, _, _ := b.TryAcquire(ctx); ok {
		t.Fatal("b took a lease that was renewed")
	}
	// b cannot renew or release what it does not hold.
	if err := b.Renew(ctx); !errors.Is(err, live.ErrLockLost) {
		t.Fatalf("b renewed a's lease: %v", err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := b.TryAcquire(ctx); ok {
		t.Fatal("b's release freed a's lease")
	}
	// a releases on shutdown: b takes it at once.
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := b.TryAcquire(ctx); err != nil || !ok {
		t.Fatalf("b after a's release: %v %v", ok, err)
	}
	// b crashes (no release): a waits for the TTL, then takes it.
	clock.add(59 * time.Second)
	if ok, _, _ := a.TryAcquire(ctx); ok {
		t.Fatal("a took b's lease before it expired")
	}
	clock.add(2 * time.Second)
	if ok, _, err := a.TryAcquire(ctx); err != nil || !ok {
		t.Fatalf("a after b's lease expired: %v %v", ok, err)
	}
	// b, back from the dead, has lost it.
	if err := b.Renew(ctx); !errors.Is(err, live.ErrLockLost) {
		t.Fatalf("b renewed after losing the lease: %v", err)
	}
}

// TestLeaseWaiterSaysWhoHoldsIt: a second controller waits, logging the
// holder and the expiry, and gets the lease when the first releases it.
func TestLeaseWaiterSaysWhoHoldsIt(t *testing.T) {
	db, table := startDynamo(t)
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	a := lease(db, table, "controller-a", clock, nil)
	if err := a.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	b := lease(db, table, "controller-b", clock, slog.New(slog.NewTextHandler(&logs, nil)))
	b.TTL = 300 * time.Millisecond // retry every 100 ms of real time
	got := make(chan error, 1)
	go func() { got <- b.Acquire(ctx) }()
	for !strings.Contains(logs.String(), "holder=controller-a") {
		time.Sleep(10 * time.Millisecond)
	}
	if want := "until=" + t0.Add(time.Minute).Format(time.RFC3339); !strings.Contains(logs.String(), want) {
		t.Fatalf("log %q: want %s", logs.String(), want)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if h, _ := b.Holder(ctx); h.Owner != "controller-b" {
		t.Fatalf("holder %+v", h)
	}
}

// TestLeaseKeepAliveReportsLoss: when another controller took the lease
// (ours expired), KeepAlive says so, and the controller must stop acting.
func TestLeaseKeepAliveReportsLoss(t *testing.T) {
	db, table := startDynamo(t)
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	a := lease(db, table, "controller-a", clock, nil)
	a.TTL = 300 * time.Millisecond // renews every 100 ms of real time
	if err := a.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Second) // a stalled past its lease
	b := lease(db, table, "controller-b", clock, nil)
	if ok, _, err := b.TryAcquire(ctx); err != nil || !ok {
		t.Fatalf("b: %v %v", ok, err)
	}
	kctx, cancel := context.WithTimeout(ctx, 30*time.Second) // liveness bound
	defer cancel()
	if err := a.KeepAlive(kctx); !errors.Is(err, live.ErrLockLost) {
		t.Fatalf("KeepAlive: %v, want ErrLockLost", err)
	}
}
