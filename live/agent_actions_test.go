package live_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalite/scalite/live"
)

// TestRecordingsHookIsBoundedByItsContext: a hook still running when its
// time is up (the termination time, or shutdown) is killed with everything
// it started, and the step fails.
func TestRecordingsHookIsBoundedByItsContext(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	a := &live.ServerActions{RecordingsHook: []string{"sh", "-c", `sleep 600 & echo $! > ` + pidFile + `; wait`}}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- a.SaveRecordings(ctx, "i-1", live.Notice{Kind: "interruption", Time: time.Now().Add(2 * time.Minute)})
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // a liveness bound, not a timing assertion
		t.Fatal("the hook outlived its context")
	}
	if err == nil {
		t.Fatal("a hook killed at its deadline reported success")
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatalf("the hook did not start its child: %v", rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for range 100 { // the child is reaped by init shortly after the kill
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("the hook's background child %d outlived it", pid)
}
