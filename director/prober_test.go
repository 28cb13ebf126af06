package director

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ldconf"
)

// The status of a checktype=off real: in maintenance while its file is in
// the maintenance directory, out of it once the file is gone, and never a
// check of its own (off checks nothing).
func TestProberStatusOffAndMaintenance(t *testing.T) {
	dir := t.TempDir()
	rs := &rstate{vs: &vstate{v: &ldconf.Virtual{}}, r: &ldconf.Real{Address: netip.MustParseAddr("10.0.0.4"), Port: 80}}
	b := newBoard()
	out := make(chan transition, 4)
	_, log := testLogger()
	p := &prober{spec: probeSpec{id: "10.0.0.4:80", checker: checks.Off{}, members: []*rstate{rs}, failureCount: 1, interval: time.Second},
		maintDir: dir, log: log, lim: testLimiter(1), out: out, board: b, now: time.Now,
		pace: newPacer(log, time.Now), stuck: newStuckChecks()}
	ctx := context.Background()
	p.mctx = ctx
	l := &probeLoop{p: p, ctx: ctx}
	file := filepath.Join(dir, "10.0.0.4:80")
	writeFile(t, file, "")
	p.once(ctx, l, 0)
	if s := b.get(p.spec.id); !s.Maintenance || s.Up {
		t.Fatalf("in the maintenance directory: %+v", s)
	}
	if tr := <-out; tr.up || !tr.forced {
		t.Errorf("transition %+v, want a forced down", tr)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	p.once(ctx, l, 0)
	if s := b.get(p.spec.id); s.Maintenance || !s.LastCheck.IsZero() || s.Reason != "" || s.Latency != 0 {
		t.Errorf("out of maintenance, checktype=off: %+v, want no maintenance and no check", s)
	}
}

// The wait between checks lies in the last tenth of checkinterval, never
// beyond it.
func TestNextDelayWithinInterval(t *testing.T) {
	iv := time.Second
	var asked time.Duration
	low := nextDelay(iv, func(max time.Duration) time.Duration { asked = max; return 0 })
	high := nextDelay(iv, func(max time.Duration) time.Duration { return max })
	if low != 900*time.Millisecond || high != iv || asked != 100*time.Millisecond {
		t.Errorf("delays %v..%v (jitter up to %v): want 900ms..1s", low, high, asked)
	}
}
