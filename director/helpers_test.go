package director

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// health is the fake checkers' world: which real addresses are up, and
// how many checks each one got.
type health struct {
	mu   sync.Mutex
	up   map[netip.Addr]bool
	hang map[netip.Addr]bool
	// unch answers like checks.HTTP on a timeout: Unchanged and Timeout.
	unch   map[netip.Addr]bool
	checks map[netip.Addr]int
	// took: the check takes this long before it answers; stuck: it
	// ignores its context until the channel is closed; panics: it
	// panics.
	took   map[netip.Addr]time.Duration
	stuck  map[netip.Addr]chan struct{}
	panics map[netip.Addr]bool
	// work is how long addr's check needs the director's one CPU (cpu)
	// before it gets to connect: checks that cannot get it within their
	// timeout time out without having tried, as on a starved director.
	work map[netip.Addr]time.Duration
	cpu  chan struct{}
}

func newHealth() *health {
	return &health{up: map[netip.Addr]bool{}, hang: map[netip.Addr]bool{}, unch: map[netip.Addr]bool{}, checks: map[netip.Addr]int{},
		took: map[netip.Addr]time.Duration{}, stuck: map[netip.Addr]chan struct{}{}, panics: map[netip.Addr]bool{},
		work: map[netip.Addr]time.Duration{}, cpu: make(chan struct{}, 1)}
}

// busy makes addr's checks need the director's one CPU for d before
// they connect (0: not at all).
func (h *health) busy(addr string, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.work[netip.MustParseAddr(addr)] = d
}

func (h *health) set(addr string, up bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.up[netip.MustParseAddr(addr)] = up
}

// blackhole makes addr's checks time out (at the check's timeout).
func (h *health) blackhole(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hang[netip.MustParseAddr(addr)] = true
}

func (h *health) timeoutUnchanged(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unch[netip.MustParseAddr(addr)] = true
}

// slow makes addr's checks take d before they answer.
func (h *health) slow(addr string, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.took[netip.MustParseAddr(addr)] = d
}

// stick makes addr's next checks ignore their context until the
// returned function is called.
func (h *health) stick(addr string) (release func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan struct{})
	h.stuck[netip.MustParseAddr(addr)] = c
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.stuck, netip.MustParseAddr(addr))
		close(c)
	}
}

// panicking makes addr's checks panic (or stop panicking).
func (h *health) panicking(addr string, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.panics[netip.MustParseAddr(addr)] = on
}

func (h *health) count(addr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.checks[netip.MustParseAddr(addr)]
}

type fakeChecker struct{ h *health }

func (c fakeChecker) String() string { return "fake" }

// Check answers as the world says. It tries to connect at once (the
// director is never late in here unless a test makes it), and a black
// hole times out at the check's timeout, as a real checker does.
func (c fakeChecker) Check(ctx context.Context, t checks.Target) checks.Result {
	c.h.mu.Lock()
	c.h.checks[t.RealAddr]++
	up, hang, unch := c.h.up[t.RealAddr], c.h.hang[t.RealAddr], c.h.unch[t.RealAddr]
	took, stuck, panics := c.h.took[t.RealAddr], c.h.stuck[t.RealAddr], c.h.panics[t.RealAddr]
	work := c.h.work[t.RealAddr]
	c.h.mu.Unlock()
	if work > 0 {
		timeout := time.NewTimer(t.CheckTimeout)
		defer timeout.Stop()
		select {
		case c.h.cpu <- struct{}{}:
		case <-timeout.C:
			return checks.Result{Timeout: true, Reason: "timeout"}
		case <-ctx.Done():
			return checks.Result{Timeout: true, Reason: "timeout"}
		}
		time.Sleep(work)
		<-c.h.cpu
	}
	checks.MarkConnect(ctx)
	if panics {
		panic("fake checker: boom")
	}
	if stuck != nil {
		<-stuck // ignores ctx
		return checks.Result{Up: up, Reason: "came back"}
	}
	if unch {
		return checks.Result{Unchanged: true, Timeout: true, Reason: "timeout (state unchanged)"}
	}
	if hang {
		select {
		case <-ctx.Done():
		case <-time.After(t.CheckTimeout):
		}
		return checks.Result{Timeout: true, Reason: "timeout"}
	}
	if took > 0 {
		select {
		case <-ctx.Done():
			return checks.Result{Timeout: true, Reason: "timeout"}
		case <-time.After(took):
		}
	}
	if up {
		return checks.Result{Up: true, Reason: "ok"}
	}
	return checks.Result{Reason: "refused"}
}

func (h *health) checker(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error) {
	t := checks.Target{CheckType: checks.TypeConnect, RealAddr: r.Address, RealPort: r.Port, CheckTimeout: 300 * time.Millisecond}
	if v.CheckType == ldconf.CheckOff {
		return checks.Off{}, t, nil
	}
	return fakeChecker{h}, t, nil
}

// harness runs a daemon against a Fake with fake checks.
type harness struct {
	t       *testing.T
	dir     string
	cfgPath string
	fake    *ipvstest.Fake
	health  *health
	logs    *testutil.SyncBuffer
	cmds    *testutil.SyncBuffer
	mails   *testutil.SyncBuffer // one "SMTP|To|Subject|Body" per alert
	execs   *testutil.SyncBuffer // one "NAME ACTION" per execute= run
	// expire is the expire_quiescent_template file the daemon reads.
	expire string
	reload chan struct{}
	// interval overrides every checkinterval (0: the config's own).
	interval time.Duration
	cancel   context.CancelCauseFunc
	done     chan error
	ready    chan struct{}
	// inBubble: the harness runs in a testing/synctest bubble
	// (newBubbleHarness).
	inBubble bool
	// workers bounds the running checks (Options.Workers).
	workers int
	// speaker is the BGP speaker a BGP configuration starts (nil: none);
	// sysctls the directory of the sysctls it needs (bgp_test.go).
	speaker *fakeSpeaker
	sysctls string
	// jitter, if set, is Options.Jitter; randomJitter: the daemon's
	// own random delays (default: none).
	jitter       func(max time.Duration) time.Duration
	randomJitter bool
	// metrics, if set before start, records the daemon's metrics;
	// status asks the running daemon for its snapshot.
	metrics *Metrics
	status  StatusFunc
	// shell and mail, if set, run each command line (after it is
	// recorded in cmds) and send each mail (before it is recorded in
	// mails); realShell runs them with RunShell instead.
	shell     func(ctx context.Context, cmd string) error
	mail      MailFunc
	realShell bool
	// schedLatency, if set, is the limiter's view of the Go scheduler
	// (default: none, whatever the machine running the tests does).
	schedLatency func() (time.Duration, uint64)
}

func parseConfig(t testing.TB, path string) (*ldconf.Config, error) {
	t.Helper()
	return ldconf.Load(path, ldconf.WithDebug(true))
}

func newHarness(t *testing.T, cfg string) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), fake: ipvstest.NewFake(), health: newHealth(),
		logs: &testutil.SyncBuffer{}, cmds: &testutil.SyncBuffer{}, mails: &testutil.SyncBuffer{}, execs: &testutil.SyncBuffer{}, reload: make(chan struct{}, 1), ready: make(chan struct{}),
		interval: 30 * time.Millisecond, workers: 8}
	h.cfgPath = filepath.Join(h.dir, "ld.cf")
	h.expire = filepath.Join(h.dir, "nonexistent")
	h.write(cfg)
	return h
}

// newBubbleHarness is newHarness for a test inside synctest.Test: the
// daemon's clock is the bubble's, which moves only when every goroutine
// of the test waits, so h.settle passes exactly the check rounds it says
// however loaded the machine is. The config watcher only polls there:
// inotify's reader waits on I/O, which a bubble cannot wait out.
func newBubbleHarness(t *testing.T, cfg string) *harness {
	t.Helper()
	h := newHarness(t, cfg)
	h.inBubble = true
	return h
}

// write replaces the config by rename, so that the watcher never reads
// it half written: an in-place write is a truncation and a write, and a
// loaded machine (-race, -count) can put more than the harness's 20 ms
// debounce between them (a reload of an empty file, then another one).
// The watcher's in-place path has tests of its own (watch_test.go).
func (h *harness) write(cfg string) {
	h.t.Helper()
	cfg = strings.ReplaceAll(cfg, "@DIR@", h.dir)
	tmp := h.cfgPath + ".tmp"
	if err := os.WriteFile(tmp, []byte(cfg), 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, h.cfgPath); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) start() {
	h.t.Helper()
	cfg, err := parseConfig(h.t, h.cfgPath)
	if err != nil {
		h.t.Fatal(err)
	}
	log := NewLogger(h.logs, h.logs, "ld.cf")
	log.Configure(true, false, "")
	ctx, cancel := context.WithCancelCause(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	o := Options{
		Client: ipvstest.NewBatching(h.fake), Log: log, NewChecker: h.health.checker,
		Load:       func() (*ldconf.Config, error) { return parseConfig(h.t, h.cfgPath) },
		ConfigPath: h.cfgPath, ConfigName: h.cfgPath, Reload: h.reload,
		Ready:   func() { close(h.ready) },
		Workers: h.workers,
		Shell: func(ctx context.Context, cmd string) error {
			h.cmds.Write([]byte(cmd + "\n"))
			if h.shell != nil {
				return h.shell(ctx, cmd)
			}
			return nil
		},
		Mail: func(ctx context.Context, m Mail) error {
			if h.mail != nil {
				if err := h.mail(ctx, m); err != nil {
					return err
				}
			}
			fmt.Fprintf(h.mails, "%s|%s|%s|%s\n", m.SMTP, m.To, m.Subject, m.Body)
			return nil
		},
		Execute: func(_ context.Context, name, action string) error {
			fmt.Fprintf(h.execs, "%s %s\n", name, action)
			if action == "reload" && strings.HasPrefix(name, "noreload") {
				return fmt.Errorf("not running")
			}
			return nil
		},
		Jitter:   h.jitter,
		Debounce: 20 * time.Millisecond, Poll: 50 * time.Millisecond,
		Interval:            h.interval,
		ExpireQuiescentPath: h.expire,
		pollOnly:            h.inBubble,
		HostRouterID:        func() (netip.Addr, error) { return netip.MustParseAddr("10.20.0.11"), nil },
		SysctlDir:           h.sysctls,
		Metrics:             h.metrics,
		Status:              func(f StatusFunc) { h.status = f },
		schedLatency:        h.schedLatency,
	}
	if o.schedLatency == nil {
		o.schedLatency = noSchedLatency
	}
	if h.realShell {
		o.Shell = nil
	}
	if h.speaker != nil {
		o.StartSpeaker = h.speaker.start
	}
	if o.Jitter == nil && !h.randomJitter {
		o.Jitter = func(time.Duration) time.Duration { return 0 }
	}
	go func() { h.done <- Run(ctx, cfg, o) }()
	select {
	case <-h.ready:
	case err := <-h.done:
		h.t.Fatalf("Run returned before ready: %v", err)
	case <-time.After(5 * time.Second):
		h.t.Fatal("not ready")
	}
	h.t.Cleanup(func() { h.stop() })
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel(StopSignal("TERM"))
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		h.t.Error("Run did not return after cancel")
	}
}

// waitTable waits until the fake's table dump equals want.
func (h *harness) waitTable(want string) {
	h.t.Helper()
	want = strings.TrimLeft(want, "\n")
	testutil.WaitFor(h.t, 5*time.Second, func() bool { return h.fake.Dump() == want }, func() string {
		return fmt.Sprintf("the table:\n%s\nwant:\n%s\nlog:\n%s", h.fake.Dump(), want, h.logs)
	})
}

// snapshotNow asks the running daemon for its status.
func (h *harness) snapshotNow() (Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.status(ctx)
}

// sentMails names the awaited mail of a failed wait, and those sent.
func (h *harness) sentMails() string { return "the mail; sent:\n" + h.mails.String() }

// waitLog waits until the log contains s.
func (h *harness) waitLog(s string) {
	h.t.Helper()
	testutil.WaitFor(h.t, 5*time.Second, func() bool { return strings.Contains(h.logs.String(), s) }, func() string {
		return fmt.Sprintf("%q in the log:\n%s", s, h.logs)
	})
}

// settle lets a few check rounds (200 ms of the bubble's clock) pass and
// returns once the daemon has done everything that was due in them.
func (h *harness) settle() {
	h.t.Helper()
	if !h.inBubble {
		h.t.Fatal("settle needs a harness in a synctest bubble (newBubbleHarness)")
	}
	time.Sleep(200 * time.Millisecond)
	synctest.Wait()
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, p, s string) { testutil.WriteFile(t, p, 0o644, s) }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	mustDo(t, err)
	return string(b)
}

func renameFile(a, b string) error        { return os.Rename(a, b) }
func chmod(p string, m os.FileMode) error { return os.Chmod(p, m) }
func mkdir(p string) error                { return os.Mkdir(p, 0o755) }
func removeFile(p string) error           { return os.Remove(p) }

// noSchedLatency is a Go scheduler that never keeps a goroutine waiting.
func noSchedLatency() (time.Duration, uint64) { return 0, 0 }

// testLimiter is a limiter of n places, blind to the machine's scheduler.
func testLimiter(n int) *limiter { return newLimiter(n, time.Now, noSchedLatency) }
