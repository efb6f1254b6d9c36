package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ControllerLock lets one controller act on a fleet at a time: two
// controllers register each BBB server twice and leave Scalelite entries
// pointing at terminated instances.
type ControllerLock interface {
	// Acquire blocks until the lock is held or ctx ends; while it waits it
	// logs who holds the lock and until when.
	Acquire(ctx context.Context) error
	// KeepAlive holds the lock until ctx ends (nil) or the lock is lost
	// (an error: the controller must stop acting).
	KeepAlive(ctx context.Context) error
	// Release gives the lock up.
	Release(ctx context.Context) error
}

// DefaultLockFile is live.lock_file's default.
const DefaultLockFile = "/run/scalite/controller.lock"

// ErrLockLost: another controller holds the lock now.
var ErrLockLost = errors.New("the controller lock was lost")

// FileLock is a flock(2) on a file on the controller's host. The kernel
// releases it when the process exits, however it exits, so a crash leaves
// no stale lock. It excludes controllers on one host only.
type FileLock struct {
	Path string
	// Retry is how often a waiting controller tries again (default 1 s).
	Retry time.Duration
	Log   *slog.Logger
	Clock func() time.Time

	f *os.File
}

// NewFileLock builds a lock on path (not yet acquired).
func NewFileLock(path string, log *slog.Logger) *FileLock {
	return &FileLock{Path: path, Log: log}
}

// TryAcquire takes the lock if it is free; otherwise it says who holds it.
func (l *FileLock) TryAcquire() (bool, string, error) {
	if l.f != nil {
		return true, "", nil
	}
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o755); err != nil {
		return false, "", fmt.Errorf("live.lock_file %s: %w", l.Path, err)
	}
	f, err := os.OpenFile(l.Path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, "", fmt.Errorf("live.lock_file %s: %w", l.Path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 512))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, strings.TrimSpace(string(holder)), nil
		}
		return false, "", fmt.Errorf("live.lock_file %s: flock: %w", l.Path, err)
	}
	// Say who holds it, for the controller that will wait.
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), hostname(), l.now().UTC().Format(time.RFC3339))), 0)
	l.f = f
	return true, "", nil
}

// Acquire implements ControllerLock.
func (l *FileLock) Acquire(ctx context.Context) error {
	retry := l.Retry
	if retry <= 0 {
		retry = time.Second
	}
	last := ""
	for {
		ok, holder, err := l.TryAcquire()
		if err != nil || ok {
			return err
		}
		if holder != last { // once per holder, not every second
			logOrDiscard(l.Log).Warn("another controller holds the lock; waiting", "lock_file", l.Path, "holder", holder, "until", "it exits")
			last = holder
		}
		if err := sleepCtx(ctx, retry); err != nil {
			return fmt.Errorf("waiting for live.lock_file %s (held by %s): %w", l.Path, holder, err)
		}
	}
}

// KeepAlive implements ControllerLock: a flock cannot be lost while the
// process lives.
func (l *FileLock) KeepAlive(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Release implements ControllerLock.
func (l *FileLock) Release(context.Context) error {
	if l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
	return err
}

func (l *FileLock) now() time.Time {
	if l.Clock != nil {
		return l.Clock()
	}
	return time.Now()
}

// DynamoDBAPI is what LeaseLock needs of DynamoDB; *dynamodb.Client has it.
type DynamoDBAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// NewDynamoDBClient uses the standard AWS configuration, so the endpoint can
// be set with AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL, or the shared
// config file's services section), e.g. for moto or DynamoDB Local.
func NewDynamoDBClient(ctx context.Context, region string) (*dynamodb.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return dynamodb.NewFromConfig(cfg), nil
}

// LeaseLock is a lease in a DynamoDB table (live.lock_table) whose partition
// key is the string lock_id: one item {lock_id, owner, expires_at} per fleet.
// It excludes controllers on any host. Every write is conditional
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html):
// a controller takes the lease when there is none, when it expired, or when
// it is its own; renews it every TTL/3 only while it is still its own; and
// deletes it on shutdown only if it is its own. A crashed controller's lease
// expires after the TTL. expires_at is in Unix milliseconds of the writer's
// clock, so the hosts' clocks must agree to well within the TTL (NTP).
type LeaseLock struct {
	DB     DynamoDBAPI
	Table  string
	LockID string // the fleet
	Owner  string // unique per controller process
	TTL    time.Duration
	Clock  func() time.Time
	Log    *slog.Logger
	// CallTimeout bounds each DynamoDB call (default 5 s).
	CallTimeout time.Duration

	expires time.Time // of the lease we hold
}

// NewLeaseLock builds a lease lock (not yet acquired) owned by this process.
func NewLeaseLock(db DynamoDBAPI, table, lockID string, log *slog.Logger) *LeaseLock {
	return &LeaseLock{DB: db, Table: table, LockID: lockID, Owner: fmt.Sprintf("%s/pid-%d/%d", hostname(), os.Getpid(), time.Now().UnixNano()),
		TTL: time.Minute, Log: log}
}

// LeaseHolder is who holds a lease and until when.
type LeaseHolder struct {
	Owner   string
	Expires time.Time
}

func (l *LeaseLock) now() time.Time {
	if l.Clock != nil {
		return l.Clock()
	}
	return time.Now()
}

func (l *LeaseLock) call(ctx context.Context) (context.Context, context.CancelFunc) {
	d := l.CallTimeout
	if d <= 0 {
		d = 5 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

// put writes the lease for another TTL under cond.
func (l *LeaseLock) put(ctx context.Context, cond string, now time.Time) (bool, error) {
	expires := now.Add(l.TTL)
	vals := map[string]ddbtypes.AttributeValue{":me": &ddbtypes.AttributeValueMemberS{Value: l.Owner}}
	if strings.Contains(cond, ":now") {
		vals[":now"] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)}
	}
	cctx, cancel := l.call(ctx)
	defer cancel()
	_, err := l.DB.PutItem(cctx, &dynamodb.PutItemInput{
		TableName: aws.String(l.Table),
		Item: map[string]ddbtypes.AttributeValue{
			"lock_id":    &ddbtypes.AttributeValueMemberS{Value: l.LockID},
			"owner":      &ddbtypes.AttributeValueMemberS{Value: l.Owner},
			"expires_at": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(expires.UnixMilli(), 10)},
		},
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner", "#expires": "expires_at", "#id": "lock_id"},
		ExpressionAttributeValues: vals,
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("live.lock_table %s: %w", l.Table, err)
	}
	l.expires = expires
	return true, nil
}

// ExpressionAttributeNames must all be used, so each condition names all three.
const (
	condAcquire = "attribute_not_exists(#id) OR #expires < :now OR #owner = :me"
	condRenew   = "attribute_exists(#id) AND #owner = :me AND #expires >= :now"
)

// TryAcquire takes the lease if it is free, expired or ours; otherwise it
// says who holds it.
func (l *LeaseLock) TryAcquire(ctx context.Context) (bool, LeaseHolder, error) {
	ok, err := l.put(ctx, condAcquire, l.now())
	if err != nil || ok {
		return ok, LeaseHolder{}, err
	}
	h, err := l.Holder(ctx)
	return false, h, err
}

// Holder reads the lease as it stands.
func (l *LeaseLock) Holder(ctx context.Context) (LeaseHolder, error) {
	cctx, cancel := l.call(ctx)
	defer cancel()
	out, err := l.DB.GetItem(cctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"lock_id": &ddbtypes.AttributeValueMemberS{Value: l.LockID}}})
	if err != nil {
		return LeaseHolder{}, fmt.Errorf("live.lock_table %s: %w", l.Table, err)
	}
	var h LeaseHolder
	if v, ok := out.Item["owner"].(*ddbtypes.AttributeValueMemberS); ok {
		h.Owner = v.Value
	}
	if v, ok := out.Item["expires_at"].(*ddbtypes.AttributeValueMemberN); ok {
		if ms, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
			h.Expires = time.UnixMilli(ms).UTC()
		}
	}
	return h, nil
}

// Acquire implements ControllerLock: it tries again when the holder's lease
// expires, and at least every TTL/3 (the holder may release it early).
func (l *LeaseLock) Acquire(ctx context.Context) error {
	last := LeaseHolder{}
	for {
		ok, h, err := l.TryAcquire(ctx)
		if err != nil || ok {
			return err
		}
		if h.Owner != last.Owner {
			logOrDiscard(l.Log).Warn("another controller holds the lock; waiting", "lock_table", l.Table, "lock_id", l.LockID, "holder", h.Owner, "until", h.Expires.Format(time.RFC3339))
			last = h
		}
		wait := l.TTL / 3
		if d := h.Expires.Sub(l.now()); d > 0 && d < wait {
			wait = d + 10*time.Millisecond
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("waiting for the lease %s in %s (held by %s until %s): %w", l.LockID, l.Table, h.Owner, h.Expires.Format(time.RFC3339), err)
		}
	}
}

// Renew extends the lease by a TTL if it is still ours and unexpired;
// ErrLockLost if not.
func (l *LeaseLock) Renew(ctx context.Context) error {
	ok, err := l.put(ctx, condRenew, l.now())
	if err != nil {
		return err
	}
	if !ok {
		return ErrLockLost
	}
	return nil
}

// KeepAlive implements ControllerLock: it renews every TTL/3; a failed
// renewal is retried until the lease would expire, then the lock is lost.
func (l *LeaseLock) KeepAlive(ctx context.Context) error {
	for {
		if err := sleepCtx(ctx, l.TTL/3); err != nil {
			return nil
		}
		for {
			err := l.Renew(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return nil // shutting down, not lost
			}
			if errors.Is(err, ErrLockLost) {
				return err
			}
			if !l.now().Add(l.TTL / 10).Before(l.expires) {
				return fmt.Errorf("%w: could not renew it before it expired: %w", ErrLockLost, err)
			}
			logOrDiscard(l.Log).Warn("renewing the controller lease failed; retrying", "lock_table", l.Table, "err", scrubChecksums(err.Error()))
			if sleepCtx(ctx, l.TTL/10) != nil {
				return nil
			}
		}
	}
}

// Release implements ControllerLock: the lease is deleted if it is ours.
func (l *LeaseLock) Release(ctx context.Context) error {
	cctx, cancel := l.call(ctx)
	defer cancel()
	_, err := l.DB.DeleteItem(cctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(l.Table),
		Key:                       map[string]ddbtypes.AttributeValue{"lock_id": &ddbtypes.AttributeValueMemberS{Value: l.LockID}},
		ConditionExpression:       aws.String("#owner = :me"),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":me": &ddbtypes.AttributeValueMemberS{Value: l.Owner}},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil // not ours any more: nothing to release
	}
	if err != nil {
		return fmt.Errorf("live.lock_table %s: releasing: %w", l.Table, err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown-host"
	}
	return h
}

func logOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
