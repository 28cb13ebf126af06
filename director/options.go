package director

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/internal/announce"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Options are what Run needs besides the configuration.
type Options struct {
	Client     ipvsctl.Client
	Log        *Logger
	NewChecker CheckerFunc
	// Load re-reads the configuration for a reload.
	Load func() (*ldconf.Config, error)
	// ConfigPath is the file to watch; ConfigName how messages name it.
	ConfigPath string
	ConfigName string
	// Reload receives a value per SIGHUP (or `reload`).
	Reload <-chan struct{}
	// Ready is called once the start-up sync is applied (a spawned
	// daemon then reports ready, and the process that started it exits
	// 0).
	Ready func()
	// Workers is the most checks run at once (default: one per real, at
	// least minWorkers, at most maxWorkers); the limiter keeps them fewer
	// while the director starves them of CPU (limiter.go).
	Workers int
	// Shell runs fallbackcommand and callback lines (default RunShell:
	// /bin/sh -c in a process group of its own). ctx ends at
	// commandtimeout.
	Shell func(ctx context.Context, cmd string) error
	// Execute runs `ldirectord NAME ACTION` for execute= (nil: skipped).
	Execute func(ctx context.Context, name, action string) error
	// Mail sends e-mail alerts (default SendMail).
	Mail MailFunc
	// Jitter returns a random duration in [0, max) (tests pass zero).
	Jitter func(max time.Duration) time.Duration
	// Debounce and Poll tune the config watcher (defaults 200ms, 2s).
	Debounce, Poll time.Duration
	// ExpireQuiescentPath is the sysctl read for the persistence warning.
	ExpireQuiescentPath string
	// Interval, if set, replaces every checkinterval (tests).
	Interval time.Duration
	// Status, if set, receives the board so a status socket can read it.
	Status func(StatusFunc)
	// Metrics, if set, records checks and refused writes (metrics.go).
	Metrics *Metrics
	// StartSpeaker starts the BGP speaker when the configuration sets
	// bgplocalas (nil: none; BGP directives are then logged as unused).
	StartSpeaker func() Speaker
	// HostRouterID is the router id without bgprouterid (default
	// announce.HostRouterID).
	HostRouterID func() (netip.Addr, error)
	// SysctlDir is where the sysctls BGP needs are read (default
	// /proc/sys).
	SysctlDir string

	// pollOnly makes the config watcher poll without inotify (tests in a
	// testing/synctest bubble).
	pollOnly bool
	// schedLatency replaces the runtime's scheduling latency for the
	// limiter (tests: the machine's own must not steer them).
	schedLatency func() (time.Duration, uint64)
}

// StopSignal is the cancellation cause Run logs as the signal name
// ("Linux Director Daemon terminated on signal: TERM").
type StopSignal string

func (s StopSignal) Error() string { return "signal " + string(s) }

func (o *Options) defaults() {
	if o.Jitter == nil {
		o.Jitter = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(max)))
		}
	}
	if o.Mail == nil {
		o.Mail = SendMail
	}
	if o.Shell == nil {
		o.Shell = RunShell
	}
	if o.Debounce <= 0 {
		o.Debounce = 200 * time.Millisecond
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.HostRouterID == nil {
		o.HostRouterID = announce.HostRouterID
	}
	if o.ExpireQuiescentPath == "" {
		o.ExpireQuiescentPath = "/proc/sys/net/ipv4/vs/expire_quiescent_template"
	}
}
