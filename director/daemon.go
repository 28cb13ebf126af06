package director

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

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
	// Workers bounds concurrent checks (default: one per real, at least
	// minWorkers, at most maxWorkers).
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

// Run is the daemon: it syncs the table for cfg, checks every real, keeps
// the table in line, reloads on Reload and config changes, and when ctx
// is cancelled applies cleanstop and returns. Every goroutine it starts
// has ended when it returns.
func Run(ctx context.Context, cfg *ldconf.Config, o Options) error {
	o.defaults()
	d := &daemon{o: o, cfg: cfg, board: newBoard(), events: make(chan transition, 1024), snapReq: make(chan chan Snapshot),
		pace: newPacer(o.Log, time.Now), stuck: newStuckChecks(), bgp: bgpState{pub: &bgpBoard{}}}
	if o.Metrics != nil {
		o.Metrics.setPace(d.pace)
	}
	return d.run(ctx)
}

type daemon struct {
	o      Options
	cfg    *ldconf.Config
	eng    *engine
	alerts *alerts
	q      *commands
	board  *board
	events chan transition
	// snapReq carries status requests to the reconciler goroutine.
	snapReq chan chan Snapshot

	gen         uint64
	stopProbers func()
	// pace and stuck outlive the probers of one configuration (pacer.go,
	// watchdog.go).
	pace  *pacer
	stuck *stuckChecks
	// lastBatch is when the last transitions were applied.
	lastBatch time.Time
	// bgp is the BGP side (bgp.go).
	bgp bgpState
	// sweep ticks the passes when no real changes state; retry fires at
	// retryAt, the next retry due (zero: none).
	sweep   *time.Ticker
	retry   *time.Timer
	retryAt time.Time
	// reloadPending: a reload could not read the table and is tried
	// again at the next sweep.
	reloadPending bool
}

func (d *daemon) run(ctx context.Context) error {
	o := d.o
	p, err := newPlan(d.cfg, o.NewChecker)
	if err != nil {
		return fmt.Errorf("director: %w", err)
	}
	// Helpers (the watcher) outlive ctx until the stop is done; the
	// commands too, so that execute= stop and the last alerts still run.
	hctx, cancelHelpers := context.WithCancel(context.Background())
	defer cancelHelpers()
	var helpers errgroup.Group
	helpers.Go(func() error { d.pace.watch(hctx); return nil })
	d.q = newCommands(o.Log, d.cfg.Global.CommandTimeoutOrDefault())
	d.alerts = &alerts{log: o.Log, q: d.q, send: o.Mail, from: func() string { return d.cfg.Global.EmailAlertFrom },
		now: time.Now, status: ldconf.AlertStarting, open: map[string]openAlert{}}
	d.eng = &engine{c: o.Client, log: o.Log, shell: func(vs *vstate, cmd string) { d.q.system("fallback "+vs.v.ID(), cmd, o.Shell) },
		metrics: o.Metrics, now: time.Now, gone: map[ipvsctl.ServiceKey]*goneVirtual{}}
	d.eng.w = &writer{c: o.Client, log: o.Log, alert: d.alerts.event, metrics: o.Metrics}
	tab, err := d.eng.readTable(p)
	if err != nil {
		cancelHelpers()
		_ = helpers.Wait()
		return fmt.Errorf("director: %w", err)
	}
	if o.Status != nil {
		o.Status(d.snapshot)
	}
	o.Metrics.setBGP(d.bgp.pub)

	d.warnPersistence()
	d.eng.sync(p, nil, tab)
	d.bgpConfigure()
	d.execute(d.cfg.Global.Execute, "start")
	d.startProbers(p)
	d.alerts.status = ldconf.AlertRunning
	if o.Ready != nil {
		o.Ready()
	}

	changed := make(chan struct{})
	if o.ConfigPath != "" {
		w := newConfigWatcher(o.ConfigPath, o.Debounce, o.Poll, o.Log)
		w.pollOnly = o.pollOnly
		helpers.Go(func() error { return w.run(hctx, changed) })
	}
	resend := time.NewTicker(time.Second)
	defer resend.Stop()
	d.sweep = time.NewTicker(d.sweepEvery())
	defer d.sweep.Stop()
	d.retry = time.NewTimer(time.Hour)
	defer d.retry.Stop()

	for {
		d.armRetry()
		d.announce()
		select {
		case <-ctx.Done():
			d.stop(ctx)
			cancelHelpers()
			return helpers.Wait()
		case t := <-d.events:
			batch := d.pendingTransitions(ctx, t)
			d.eng.transition(batch...)
			if changesState(batch) {
				d.lastBatch = time.Now()
			}
		case <-d.retry.C:
			d.eng.retryDue()
		case <-d.sweep.C:
			if d.reloadPending {
				d.reload()
				continue
			}
			d.eng.sweep()
		case <-o.Reload:
			o.Log.Log("Reloading Linux Director Daemon config on signal")
			d.reload()
		case <-changed:
			d.configChanged()
		case <-resend.C:
			d.alerts.resend()
		case reply := <-d.snapReq:
			reply <- d.buildSnapshot(os.Getpid())
		}
	}
}

// sweepEvery is how often the sweep runs (engine.sweep): the shortest
// checkinterval, so that drift is found and, with resync=yes, put back
// within any virtual's checkinterval, and a real in maintenance is forced
// down as often as its checks run.
func (d *daemon) sweepEvery() time.Duration {
	if d.o.Interval > 0 {
		return d.o.Interval
	}
	every := time.Duration(0)
	for _, v := range d.cfg.Virtuals {
		if every == 0 || v.CheckInterval < every {
			every = v.CheckInterval
		}
	}
	if every <= 0 {
		every = d.cfg.Global.CheckInterval
	}
	return max(every, time.Second)
}

// armRetry sets the retry timer to the next retry due, if any.
func (d *daemon) armRetry() {
	next := d.eng.nextRetry()
	if next.Equal(d.retryAt) {
		return
	}
	d.retryAt = next
	if !d.retry.Stop() {
		select {
		case <-d.retry.C:
		default:
		}
	}
	if !next.IsZero() {
		d.retry.Reset(max(time.Until(next), 0))
	}
}

// A check mostly waits on the network, so as many checks may run at once
// as there are reals: when every real is black-holed, all of them time
// out together instead of queueing N/limit checktimeouts deep. The cap
// keeps file descriptors bounded.
const (
	minWorkers = 64
	maxWorkers = 4096
)

func workersFor(configured, reals int) int {
	if configured > 0 {
		return configured
	}
	return min(max(reals, minWorkers), maxWorkers)
}

// maxBatch bounds how many transitions one pass of the loop applies.
const maxBatch = 4096

// batchGap spaces the passes: a report that arrives within batchGap of
// the last pass waits until batchGap has gone by, gathering whatever else
// comes. A black hole or its end makes the reals' reports arrive one by
// one over a check timeout, and every pass reads each touched service's
// table (a netlink dump of all its reals): without the gap 1,000 reals
// cost about 1,000 dumps, which under emulation took seconds
// (docs/performance.md). A report after a quiet spell is applied at once.
const batchGap = 100 * time.Millisecond

// changesState: some transition of ts may change a real (a first verdict
// that changes nothing costs no pass, so it does not delay the next).
func changesState(ts []transition) bool {
	for _, t := range ts {
		if !t.first {
			return true
		}
	}
	return false
}

// pendingTransitions is t and whatever else the probers have queued (up
// to maxBatch), of the current generation, and, if the last pass was
// less than batchGap ago, what they send until then: when many reals
// change at once (a switch dies) each service's table is read and
// written once per pass, not once per real.
func (d *daemon) pendingTransitions(ctx context.Context, t transition) []transition {
	batch := make([]transition, 0, 16)
	var wait <-chan time.Time
	if gap := batchGap - time.Since(d.lastBatch); gap > 0 {
		timer := time.NewTimer(gap)
		defer timer.Stop()
		wait = timer.C
	}
	for {
		if t.gen == d.gen {
			batch = append(batch, t)
		}
		if len(batch) >= maxBatch {
			return batch
		}
		select {
		case t = <-d.events:
			continue
		default:
		}
		if wait == nil {
			return batch
		}
		select {
		case t = <-d.events:
		case <-wait:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
}

// startProbers starts one prober per real id of p, owned by a context
// that stopProbers cancels; it then waits for the running checks, within
// a bound (stopLoops).
func (d *daemon) startProbers(p *plan) {
	d.gen++
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	loops := make([]*probeLoop, 0, len(p.ids))
	interval := p.cfg.Global.CheckInterval
	if d.o.Interval > 0 {
		interval = d.o.Interval
	}
	sem := make(chan struct{}, workersFor(d.o.Workers, len(p.ids)))
	for _, id := range p.ids {
		spec := p.probe[id]
		if d.o.Interval > 0 {
			spec.interval = d.o.Interval
		}
		pr := &prober{spec: spec, gen: d.gen, state: initialState(spec.members),
			maintDir: p.cfg.Global.MaintenanceDir, log: d.o.Log, sem: sem, out: d.events,
			jitter: d.o.Jitter, board: d.board, now: time.Now, metrics: d.o.Metrics,
			pace: d.pace, stuck: d.stuck, lagLimit: lagLimit(spec.interval, spec.target.Timeout())}
		d.board.set(id, func(s *RealStatus) { s.Up = pr.state == pUp })
		loops = append(loops, newLoop(ctx, pr, &wg))
		interval = min(interval, spec.interval)
	}
	// The pacer knows the plan before the first check ends.
	d.pace.setPlan(&p.cfg.Global, loops, interval)
	for _, l := range loops {
		l.start()
	}
	d.stopProbers = func() {
		cancel()
		stopLoops(loops, &wg, d.o.Log)
	}
}

// reload is reread_config: parse the whole file first; on any error keep
// running the old configuration and table and log why.
func (d *daemon) reload() {
	o := d.o
	d.alerts.status = ldconf.AlertReloading
	defer func() { d.alerts.status = ldconf.AlertRunning }()
	cfg, err := o.Load()
	var p *plan
	if err == nil {
		p, err = newPlan(cfg, o.NewChecker)
	}
	if err != nil {
		o.Log.Log(ConfigErrorText(err, o.ConfigName, os.Getpid()))
		return
	}
	// The table is read before anything is stopped: if it cannot be, the
	// running configuration carries on and the reload is tried again.
	tab, err := d.eng.readTable(p)
	if err != nil {
		o.Log.Printf("Could not read the IPVS table: %v; the running configuration stays until it can be read (will retry)", err)
		d.reloadPending = true
		return
	}
	d.reloadPending = false
	for _, w := range cfg.Warnings {
		o.Log.Log(ConfigWarningText(w, o.ConfigName, os.Getpid()))
	}
	old := d.cfg
	d.stopProbers()
	d.board.reset()
	d.alerts.forget()
	o.Log.Configure(o.Log.Debug(), cfg.Global.Supervised, cfg.Global.LogFile)
	d.reexecute(old.Global.Execute, cfg.Global.Execute)
	d.cfg = cfg
	d.q.setTimeout(cfg.Global.CommandTimeoutOrDefault())
	d.warnPersistence()
	d.eng.sync(p, d.eng.plan, tab)
	d.bgpConfigure()
	d.startProbers(p)
	d.sweep.Reset(d.sweepEvery())
}

// configChanged is the rest of check_cfgfile: log, reload if autoreload,
// and run the callback.
func (d *daemon) configChanged() {
	o := d.o
	o.Log.Printf("Configuration file '%s' has changed on disk", o.ConfigName)
	g := d.cfg.Global
	if g.AutoReload {
		o.Log.Log(" - reread new configuration")
		d.reload()
	} else {
		o.Log.Log(" - ignore new configuration\n")
	}
	// The callback of the configuration in force after the change.
	if cb := d.cfg.Global.Callback; cb != "" && isExecutable(cb) {
		d.q.system("callback", cb+" "+o.ConfigName, o.Shell)
	}
}

// stop is ld_process_term.
func (d *daemon) stop(ctx context.Context) {
	d.alerts.status = ldconf.AlertStopping
	d.bgpWithdraw()
	d.stopProbers()
	d.execute(d.cfg.Global.Execute, "stop")
	d.eng.stop()
	d.bgpStop()
	sig := "TERM"
	var s StopSignal
	if errors.As(context.Cause(ctx), &s) {
		sig = string(s)
	}
	d.o.Log.Printf("Linux Director Daemon terminated on signal: %s", sig)
	d.q.close(stopCommandsWait)
}

// execute runs `ldirectord NAME ACTION` for each execute= name.
func (d *daemon) execute(names []string, action string) {
	if d.o.Execute == nil {
		return
	}
	for _, n := range names {
		d.q.do("execute "+n, command{what: "system(ldirectord " + n + " " + action + ")",
			run: func(ctx context.Context) error { return d.o.Execute(ctx, n, action) }})
	}
}

// reexecute is reread_config's handling of execute=: stop the removed
// names, reload (or start, if reload fails) the kept ones, start the new.
func (d *daemon) reexecute(old, cur []string) {
	if d.o.Execute == nil {
		return
	}
	was, is := map[string]bool{}, map[string]bool{}
	for _, n := range old {
		was[n] = true
	}
	for _, n := range cur {
		is[n] = true
	}
	var stop, start []string
	for _, n := range old {
		if !is[n] {
			stop = append(stop, n)
		}
	}
	d.execute(stop, "stop")
	for _, n := range cur {
		if !was[n] {
			start = append(start, n)
			continue
		}
		d.q.do("execute "+n, command{what: "system(ldirectord " + n + " reload)",
			run: func(ctx context.Context) error {
				if d.o.Execute(ctx, n, "reload") == nil {
					return nil
				}
				return d.o.Execute(ctx, n, "start")
			},
			fail: func(err error) { d.o.Log.Printf("system(ldirectord %s start) failed: %v", n, err) },
		})
	}
	d.execute(start, "start")
}

// warnPersistence surfaces the persistence trap: with quiescent=yes a
// persistent virtual keeps sending a client to a quiesced real until its
// template expires (the client sees an outage if the real is down),
// unless the kernel is told to expire templates of quiesced servers.
func (d *daemon) warnPersistence() {
	b, err := os.ReadFile(d.o.ExpireQuiescentPath)
	if err != nil || len(b) == 0 || b[0] != '0' {
		return
	}
	for _, v := range d.cfg.Virtuals {
		if v.Persistent && v.Quiescent {
			d.o.Log.Printf("Warning: virtual server %s is persistent with quiescent=yes but %s is 0: "+
				"clients stay on a quiesced real server until their persistence template expires "+
				"(set it to 1)", v.Name(), d.o.ExpireQuiescentPath)
		}
	}
}
