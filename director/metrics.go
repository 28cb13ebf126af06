package director

import (
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/metrics"
)

// Metrics records what the daemon does, for Prometheus: the result and
// latency of each check and the table writes the kernel refused. The
// probers and the writer call it (two one-line hooks); scrapes read it
// from another goroutine, hence the lock. A nil *Metrics records nothing,
// so the daemon runs the same without --metrics-listen.
type Metrics struct {
	mu          sync.Mutex
	checks      map[checkKey]*checkMetric
	order       []checkKey
	writeErrors uint64
	writes      uint64
	retries     uint64
	readErrors  uint64
	repairs     uint64
	drift       int
	pending     int
	// lag is every check's lateness; pace, the pacer's state (Run sets
	// it).
	lag          *metrics.HistogramData
	connectAfter *metrics.HistogramData
	pace         *pacer
	// bgp is the BGP side, nil without BGP (bgpmetrics.go).
	bgp *bgpBoard
}

type checkKey struct {
	svcLabels string // the virtual's identity, for the map only
	real      string
}

type checkMetric struct {
	labels []metrics.Label
	up     float64
	seen   bool
	hist   *metrics.HistogramData
}

// checkBuckets span a fast connect check to ldirectord's default 5 s
// negotiate timeout and beyond.
var checkBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics returns an empty recorder for Options.Metrics.
func NewMetrics() *Metrics {
	return &Metrics{checks: map[checkKey]*checkMetric{}, lag: metrics.NewHistogram(lagBuckets),
		connectAfter: metrics.NewHistogram(lagBuckets)}
}

// lagBuckets span a check started on time (a timer fires within
// microseconds) to one started an interval late.
var lagBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// observeCheck records one check of a real id for every virtual that
// shares it. An "unchanged" result (HTTP timeout, checktype=off) counts
// for latency but leaves the last result as it was, as ldirectord leaves
// the state. series is the prober's: its members' series, looked up on
// its first check, so that the thousand checks a second do not build
// label sets and keys again (a prober is new after a reload and finds the
// same series by key, so histograms carry over).
//
// lag is how late the check started; connectAfter, for a failed check,
// how long after its start it tried to connect (negative: not known).
func (m *Metrics) observeCheck(spec *probeSpec, series *[]*checkMetric, res *checks.Result, lag, connectAfter time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lag.Observe(lag.Seconds())
	if !res.Up && connectAfter >= 0 {
		m.connectAfter.Observe(connectAfter.Seconds())
	}
	if len(*series) != len(spec.members) {
		*series = (*series)[:0]
		for _, rs := range spec.members {
			*series = append(*series, m.series(rs))
		}
	}
	for _, c := range *series {
		c.hist.Observe(res.Latency.Seconds())
		if !res.Unchanged {
			c.up, c.seen = 0, true
			if res.Up {
				c.up = 1
			}
		}
	}
}

// series finds or makes the series of a real of a virtual; m.mu is held.
func (m *Metrics) series(rs *rstate) *checkMetric {
	labels := metrics.RealLabels(&rs.vs.svc, &rs.dest)
	k := checkKey{svcLabels: rs.vs.svc.Key().String(), real: labels[len(labels)-1].Value}
	c, ok := m.checks[k]
	if !ok {
		c = &checkMetric{labels: labels, hist: metrics.NewHistogram(checkBuckets)}
		m.checks[k] = c
		m.order = append(m.order, k)
	}
	return c
}

// setPace makes Gather report p's state (Run does, before any check).
func (m *Metrics) setPace(p *pacer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pace = p
}

// wrote counts a table write, whatever its outcome.
func (m *Metrics) wrote() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
}

// writeFailed counts a table write the kernel refused.
func (m *Metrics) writeFailed() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writeErrors++
}

// retried counts a write that retries a refused (or untried) one.
func (m *Metrics) retried() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retries++
}

// readFailed counts a read of the table that failed.
func (m *Metrics) readFailed() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.readErrors++
}

// repaired counts drift entries a pass puts back.
func (m *Metrics) repaired(n int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.repairs += uint64(n)
}

// setReconcile sets the drift entries found by the last passes and the
// writes waiting for a retry.
func (m *Metrics) setReconcile(drift, pending int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drift, m.pending = drift, pending
}

// Gather adds the daemon's metrics to s.
func (m *Metrics) Gather(s *metrics.Set) {
	m.mu.Lock()
	pace := m.pace
	m.mu.Unlock()
	if pace != nil {
		gatherPace(s, pace.pace())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Family("lvs_check_lag_seconds", metrics.Histogram,
		"How late health checks started: from when each was due to when it began (timers, CPU, the limit on running checks).").
		AddHistogram(m.lag.Clone(), nil)
	s.Family("lvs_check_connect_delay_seconds", metrics.Histogram,
		"For failed health checks: how long after its start each tried to connect (all of it when it never did).").
		AddHistogram(m.connectAfter.Clone(), nil)
	up := s.Family("lvs_check_up", metrics.Gauge, "Result of the last health check of a real server of a virtual service (1 up, 0 down).")
	lat := s.Family("lvs_check_duration_seconds", metrics.Histogram, "Latency of health checks.")
	for _, k := range m.order {
		c := m.checks[k]
		if c.seen {
			up.Add(c.up, c.labels)
		}
		lat.AddHistogram(c.hist.Clone(), c.labels)
	}
	s.Family("lvs_reconcile_writes_total", metrics.Counter, "Table writes of the daemon (each one netlink request).").AddUint(m.writes, nil)
	s.Family("lvs_reconcile_errors_total", metrics.Counter, "Table writes of the daemon that the kernel refused.").AddUint(m.writeErrors, nil)
	s.Family("lvs_reconcile_retries_total", metrics.Counter, "Table writes of the daemon that retried a refused or untried one.").AddUint(m.retries, nil)
	s.Family("lvs_reconcile_read_errors_total", metrics.Counter, "Reads of the table by the daemon that failed.").AddUint(m.readErrors, nil)
	s.Family("lvs_reconcile_pending", metrics.Gauge, "Table writes of the daemon waiting for a retry.").Add(float64(m.pending), nil)
	s.Family("lvs_drift_entries", metrics.Gauge, "Entries of the daemon's virtual services that someone else changed (a real, a fallback or a virtual), as its last passes found them.").Add(float64(m.drift), nil)
	s.Family("lvs_drift_repairs_total", metrics.Counter, "Drift entries the daemon put back (resync = yes).").AddUint(m.repairs, nil)
	if m.bgp != nil {
		m.bgp.gather(s)
	}
}

// gatherPace adds how the checks keep up (pacer.go).
func gatherPace(s *metrics.Set, p CheckPace) {
	s.Family("lvs_checks_overdue", metrics.Gauge, "Health checks due that have not started (late by more than a quarter of the shorter of checkinterval and their timeout).").
		Add(float64(p.Overdue), nil)
	s.Family("lvs_check_interval_seconds", metrics.Gauge, "The configured checkinterval (the shortest, with fork=yes).").
		Add(p.Interval.Seconds(), nil)
	s.Family("lvs_check_effective_interval_seconds", metrics.Gauge, "The check interval in effect: checkinterval stretched while the director is behind (checkoverload=stretch).").
		Add(p.Effective.Seconds(), nil)
	behind := 0.0
	if p.Behind {
		behind = 1
	}
	s.Family("lvs_checks_behind", metrics.Gauge, "1 while the director is falling behind with its checks (logged when it starts and ends).").
		Add(behind, nil)
	s.Family("lvs_check_late_timeouts_total", metrics.Counter, "Health checks that timed out while the director was behind, taken as no answer yet rather than as failures.").
		AddUint(p.LateTimeouts, nil)
	s.Family("lvs_checks_abandoned_total", metrics.Counter, "Health checks the watchdog gave up on (still running past their deadline), each counted as a failure.").
		AddUint(p.Abandoned, nil)
	s.Family("lvs_checks_stuck", metrics.Gauge, "Abandoned health checks still running (at most one per real).").
		Add(float64(p.Stuck), nil)
	s.Family("lvs_check_concurrency_limit", metrics.Gauge, "How many health checks may run at once: fewer than one per real while the director starves them of CPU.").
		Add(float64(p.Limit), nil)
	s.Family("lvs_check_panics_total", metrics.Counter, "Health checks that panicked, each counted as a failure.").
		AddUint(p.Panics, nil)
}
