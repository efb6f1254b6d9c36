package main

import (
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TestWatchdogNotifiesSystemd: with NOTIFY_SOCKET and WATCHDOG_USEC set, as
// systemd sets them for a Type=notify unit with WatchdogSec, the controller
// says READY=1 at start and WATCHDOG=1 after each good reconcile
// (sd_notify(3); github.com/coreos/go-systemd/daemon).
func TestWatchdogNotifiesSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram socket here: %v", err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "180000000")
	t.Setenv("WATCHDOG_PID", "")
	wd := newServiceWatchdog(slog.New(slog.DiscardHandler))
	wd.alive()
	wd.stopping()
	var got []string
	buf := make([]byte, 256)
	for range 3 {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, string(buf[:n]))
	}
	if got[0] != "READY=1" || got[1] != "WATCHDOG=1" || got[2] != "STOPPING=1" {
		t.Fatalf("notifications %q", got)
	}
}

func TestWatchdogSilentOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	if wd := newServiceWatchdog(slog.New(slog.DiscardHandler)); wd.enabled {
		t.Fatal("watchdog enabled without systemd")
	}
}
