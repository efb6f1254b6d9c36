package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/live"
)

// holdControllerLock takes the lock that lets one controller act on the
// fleet (live.lock_file, or the DynamoDB lease live.lock_table), waiting
// while another controller holds it; SIGINT or SIGTERM ends the wait. The
// returned context ends if the lock is lost, with the loss as its cause:
// the controller must stop acting then. release gives the lock up.
//
// A dry run changes nothing, so it takes no lock (apply false): it can run
// beside the acting controller, to see what it would do.
func holdControllerLock(parent context.Context, cfg config.Config, apply bool, log *slog.Logger) (ctx context.Context, release func(), err error) {
	if !apply {
		return parent, func() {}, nil
	}
	var lock live.ControllerLock
	if cfg.Live.LockTable != "" {
		db, err := live.NewDynamoDBClient(parent, cfg.Region)
		if err != nil {
			return nil, nil, fmt.Errorf("live.lock_table: %w", err)
		}
		lease := live.NewLeaseLock(db, cfg.Live.LockTable, cfg.Live.Fleet, log)
		lock = lease
		log.Info("taking the controller lease", "lock_table", cfg.Live.LockTable, "lock_id", cfg.Live.Fleet, "owner", lease.Owner)
	} else {
		lock = live.NewFileLock(cfg.Live.LockFile, log)
		log.Info("taking the controller lock", "lock_file", cfg.Live.LockFile)
	}
	wait, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	err = lock.Acquire(wait)
	stop()
	if err != nil {
		return nil, nil, err
	}
	log.Info("holding the controller lock")
	ctx, cancel := context.WithCancelCause(parent)
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		if err := lock.KeepAlive(ctx); err != nil {
			log.Error("controller lock lost: stopping", "err", err.Error())
			cancel(err)
		}
	}()
	release = func() {
		cancel(nil)
		<-kept
		rctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		if err := lock.Release(rctx); err != nil {
			log.Warn("releasing the controller lock", "err", err.Error())
		}
	}
	return ctx, release, nil
}

// lockLost is the error to exit with when the controller stopped because
// its lock was lost, nil otherwise.
func lockLost(ctx context.Context) error {
	if err := context.Cause(ctx); errors.Is(err, live.ErrLockLost) {
		return err
	}
	return nil
}
