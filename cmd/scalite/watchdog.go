package main

import (
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// serviceWatchdog tells systemd (Type=notify, WatchdogSec=) that the
// controller is up and, after each successful reconcile, that it is alive:
// a controller stuck in a reconcile misses the watchdog and systemd
// restarts it. Outside systemd (no NOTIFY_SOCKET) it does nothing; /healthz
// answers the same question for other supervisors.
type serviceWatchdog struct {
	enabled bool
	log     *slog.Logger
}

func newServiceWatchdog(log *slog.Logger) *serviceWatchdog {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings unreadable; not notifying", "err", err)
	}
	w := &serviceWatchdog{enabled: interval > 0, log: log}
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("telling systemd we are ready", "err", err)
	}
	if w.enabled {
		log.Info("systemd watchdog", "every", interval)
	}
	return w
}

// alive is sent after a reconcile that succeeded.
func (w *serviceWatchdog) alive() {
	if !w.enabled {
		return
	}
	if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil {
		w.log.Warn("systemd watchdog", "err", err)
	}
}

// stopping tells systemd the controller is shutting down on purpose.
func (w *serviceWatchdog) stopping() {
	if _, err := daemon.SdNotify(false, daemon.SdNotifyStopping); err != nil {
		w.log.Warn("telling systemd we stop", "err", err)
	}
}
