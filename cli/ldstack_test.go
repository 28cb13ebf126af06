//go:build !race

// (The race detector doubles the stack guard, so frame budgets differ.)

package cli

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/checks/checkstest"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// A connect check waiting for its real costs the daemon one goroutine
// stack, and a black hole or a saturated CPU keeps a thousand of them
// waiting at once. The frames above the wait (the prober's once, the
// checker) are kept small so that such a stack stays at the runtime's
// smallest size (4 KB) instead of doubling to 8 KB: in the lab that is
// 4 MB of the daemon's RSS with 1,000 reals (docs/performance.md).
func TestDaemonWaitingCheckStacks(t *testing.T) {
	// Every connect waits for its deadline (10 s).
	port := int(checkstest.FullBacklog(t))

	const reals = 1000
	var cfg strings.Builder
	cfg.WriteString("checkinterval=30\nchecktimeout=10\nquiescent=yes\n")
	for i := range reals {
		fmt.Fprintf(&cfg, "virtual=192.168.%d.%d:%d\n\tchecktype=connect\n\treal=127.2.%d.%d:%d gate\n", i/200, i%200+1, port, i/200, i%200+1, port)
	}
	path, c := loadDaemonConfig(t, t.TempDir(), "stacks.cf", cfg.String())
	ctx, cancel := context.WithCancel(context.Background())
	before := runtime.NumGoroutine()
	done := runQuietDaemon(ctx, ipvstest.NewFake(), c, path, func() (*ldconf.Config, error) { return c, nil })
	defer func() {
		cancel()
		<-done
	}()
	// The first checks start within a second (jitter) and wait 10 s.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() < before+reals && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	n := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if n < before+reals {
		t.Fatalf("only %d goroutines, want %d checks waiting", n, reals)
	}
	t.Logf("%d goroutines, %d bytes of stacks each", n, ms.StackInuse/uint64(n))
	if per := ms.StackInuse / uint64(n); per > 6<<10 {
		t.Errorf("%d goroutines hold %d bytes of stacks, %d each: a waiting check no longer fits 4 KB", n, ms.StackInuse, per)
	}
}
