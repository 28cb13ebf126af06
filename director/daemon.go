package director

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ldconf"
)

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
	// lim bounds the running checks of every generation (limiter.go).
	lim *limiter
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
// as there are reals (the limiter's ceiling; limiter.go): when every real
// is black-holed, all of them time out together instead of queueing
// N/limit checktimeouts deep. The cap keeps file descriptors bounded.
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
	if d.lim == nil {
		d.lim = newLimiter(workersFor(d.o.Workers, len(p.ids)), time.Now, d.o.schedLatency)
		d.pace.setLimiter(d.lim)
	} else {
		d.lim.setCeiling(workersFor(d.o.Workers, len(p.ids)))
	}
	for _, id := range p.ids {
		spec := p.probe[id]
		if d.o.Interval > 0 {
			spec.interval = d.o.Interval
		}
		pr := &prober{spec: spec, gen: d.gen, state: initialState(spec.members),
			maintDir: p.cfg.Global.MaintenanceDir, log: d.o.Log, lim: d.lim, out: d.events,
			jitter: d.o.Jitter, board: d.board, now: time.Now, metrics: d.o.Metrics,
			pace: d.pace, stuck: d.stuck, lagLimit: lagLimit(spec.interval, spec.target.Timeout())}
		d.board.set(id, func(s *RealStatus) { s.Up = pr.state == pUp })
		loops = append(loops, newLoop(ctx, pr, &wg))
		interval = min(interval, spec.interval)
	}
	// Each prober holds its spec now; the plan lives as long as it is in
	// force, and its copies would double the checks' share of the heap.
	p.probe = nil
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
