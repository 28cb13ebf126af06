package director

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/internal/testutil"
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
	p := &prober{spec: probeSpec{id: "10.0.0.4:80", checker: checks.Off{}, members: []*rstate{rs}, failureCount: 1, interval: time.Second},
		maintDir: dir, log: NewLogger(&testutil.SyncBuffer{}, &testutil.SyncBuffer{}, "ld.cf"), sem: make(chan struct{}, 1), out: out, board: b, now: time.Now}
	ctx := context.Background()
	file := filepath.Join(dir, "10.0.0.4:80")
	writeFile(t, file, "")
	p.once(ctx)
	if s := b.get(p.spec.id); !s.Maintenance || s.Up {
		t.Fatalf("in the maintenance directory: %+v", s)
	}
	if tr := <-out; tr.up || !tr.forced {
		t.Errorf("transition %+v, want a forced down", tr)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	p.once(ctx)
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
