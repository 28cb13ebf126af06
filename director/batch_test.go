package director

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// readCounter counts the daemon's reads of a service's real servers.
type readCounter struct {
	*ipvstest.Fake
	reads atomic.Int64
}

func (c *readCounter) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	c.reads.Add(1)
	return c.Fake.Destinations(s)
}

// batchDaemon runs the daemon on one quiescent virtual of n reals, all
// up; weights(w) reports whether every real has weight w.
func batchDaemon(t *testing.T, n int) (health *health, client *readCounter, weights func(w string) bool) {
	var cfg strings.Builder
	cfg.WriteString("quiescent=yes\nvirtual=192.168.100.1:80\n\tchecktype=connect\n")
	for i := range n {
		fmt.Fprintf(&cfg, "\treal=%s:80 gate\n", batchReal(i))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ld.cf")
	writeFile(t, path, cfg.String())
	conf, err := parseConfig(t, path)
	if err != nil {
		t.Fatal(err)
	}
	health = newHealth()
	for i := range n {
		health.set(batchReal(i), true)
	}
	client = &readCounter{Fake: ipvstest.NewFake()}
	log := NewLogger(&testutil.SyncBuffer{}, &testutil.SyncBuffer{}, "ld.cf")
	log.Configure(true, false, "")
	ready := make(chan struct{})
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, conf, Options{Client: client, Log: log, NewChecker: health.checker,
			Load: func() (*ldconf.Config, error) { return conf, nil }, ConfigName: path,
			Ready: func() { close(ready) }, Jitter: func(time.Duration) time.Duration { return 0 },
			Interval: 50 * time.Millisecond, Mail: func(context.Context, Mail) error { return nil },
			ExpireQuiescentPath: filepath.Join(dir, "none")})
	}()
	t.Cleanup(func() {
		cancel(StopSignal("TERM"))
		<-done
	})
	<-ready
	weights = func(w string) bool {
		return strings.Count(client.Dump(), "-g -w "+w+"\n") == n
	}
	testutil.WaitFor(t, 10*time.Second, func() bool { return weights("1") }, func() string { return "every real up" })
	return health, client, weights
}

func batchReal(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }

// When every real of a service fails at once, the daemon reads the
// service's table once per batch of transitions, not once per real.
func TestMassFailureIsBatched(t *testing.T) {
	const n = 200
	health, client, weights := batchDaemon(t, n)
	before := client.reads.Load()
	for i := range n {
		health.set(batchReal(i), false)
	}
	testutil.WaitFor(t, 10*time.Second, func() bool { return weights("0") }, func() string { return "every real quiesced" })
	if reads := client.reads.Load() - before; reads > n/4 {
		t.Errorf("%d reals failing at once cost %d reads of the service's table", n, reads)
	}
}

// Reals that fail one after the other (a black hole: each real's check
// times out on its own schedule) are applied in passes at least batchGap
// apart, not one read of the service's table per real.
func TestSpreadFailuresAreBatched(t *testing.T) {
	// In a bubble: the spread and the batch gap are the fake clock's, so
	// a loaded machine cannot stretch the spread into more passes.
	synctest.Test(t, func(t *testing.T) {
		const n = 200
		health, client, weights := batchDaemon(t, n)
		before := client.reads.Load()
		start := time.Now()
		for i := range n {
			health.set(batchReal(i), false)
			time.Sleep(2 * time.Millisecond)
		}
		testutil.WaitFor(t, 10*time.Second, func() bool { return weights("0") }, func() string { return "every real quiesced" })
		// about one pass per batchGap (100 ms) over the spread of 0.4 s
		if reads := client.reads.Load() - before; reads > n/10 {
			t.Errorf("%d reals failing over %v cost %d reads of the service's table",
				n, time.Since(start).Round(time.Millisecond), reads)
		}
	})
}
