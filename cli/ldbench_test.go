package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// BenchmarkDaemon1000Reals runs the daemon natively (fake IPVS table)
// with the lab's daemon load (docs/performance.md): 1,000 reals in 10
// virtuals, connect checks every second against a local listener
// (127.1.V.R, all on lo), for 10 s, and reports the process's peak RSS
// and the Go runtime's view of it. The lab figures (e2e/bench-daemon.sh)
// add the kernel's side.
func BenchmarkDaemon1000Reals(b *testing.B) {
	port, accepted := startAcceptor(b)
	cfg := thousandReals(port)
	path, c := loadDaemonConfig(b, b.TempDir(), "bench.cf", cfg)
	dur := 10 * time.Second
	if s := os.Getenv("LVS_BENCH_DAEMON_SECONDS"); s != "" {
		n, _ := strconv.Atoi(s)
		dur = time.Duration(n) * time.Second
	}
	testutil.RestoreRuntime(b)
	daemon.Tune() // as the daemon runs
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		done := runQuietDaemon(ctx, ipvstest.NewFake(), c, path, func() (*ldconf.Config, error) { return c, nil })
		var peak int64
		var ms runtime.MemStats
		cpu0 := cpuTime()
		for t := time.NewTicker(500 * time.Millisecond); ; {
			select {
			case <-t.C:
				peak = max(peak, rssKB())
				runtime.ReadMemStats(&ms)
				if f := os.Getenv("LVS_BENCH_HEAPPROFILE"); f != "" && ctx.Err() == nil {
					writeHeapProfile(b, f)
				}
				continue
			case err := <-done:
				t.Stop()
				if err != nil && ctx.Err() == nil {
					b.Fatal(err)
				}
			}
			break
		}
		cancel()
		b.ReportMetric(100*(cpuTime()-cpu0).Seconds()/dur.Seconds(), "cpu-%")
		b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
		b.ReportMetric(float64(ms.StackInuse)/(1<<20), "stack-MB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(float64(accepted.Load())/dur.Seconds(), "checks/s")
	}
}

// runQuietDaemon runs the daemon on c (from path) against client, its log
// discarded, until ctx ends (the daemon benchmarks and the stack test);
// the channel receives Run's result.
func runQuietDaemon(ctx context.Context, client ipvsctl.Client, c *ldconf.Config, path string, load func() (*ldconf.Config, error)) <-chan error {
	log := director.NewLogger(&discard{}, &discard{}, "bench.cf")
	log.Configure(false, true, "")
	done := make(chan error, 1)
	go func() {
		done <- director.Run(ctx, c, director.Options{Client: client, Log: log, NewChecker: director.Checker,
			Load: load, ConfigPath: path, ConfigName: path, Reload: make(chan struct{})})
	}()
	return done
}

// startAcceptor listens on every 127.x address and closes what it
// accepts; it counts the connections.
func startAcceptor(b *testing.B) (port int, accepted *atomic.Int64) {
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	// Closed in the accept loop itself, not on a goroutine of its own
	// (accept.Serve): the benchmark measures this process, and a
	// goroutine per check would count in its CPU and stacks.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

// thousandReals is the daemon benchmarks' config: 1,000 reals
// (127.1.V.R:port) in 10 virtuals, connect checks, checkinterval 1,
// checktimeout 2.
func thousandReals(port int) string {
	var cfg strings.Builder
	cfg.WriteString("checkinterval=1\nchecktimeout=2\nquiescent=yes\n")
	for v := 1; v <= 10; v++ {
		fmt.Fprintf(&cfg, "virtual=192.168.100.%d:%d\n\tchecktype=connect\n", v, port)
		for r := 1; r <= 100; r++ {
			fmt.Fprintf(&cfg, "\treal=127.1.%d.%d:%d gate\n", v, r, port)
		}
	}
	return cfg.String()
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the process's user and system CPU time so far (the local
// listener's accepts included: a small part of each check).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// rssKB is VmRSS from /proc/self/status.
func rssKB() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// loadDaemonConfig writes text to dir/name and parses it as the daemon
// does, for the daemon's benchmarks and tests.
func loadDaemonConfig(tb testing.TB, dir, name, text string) (string, *ldconf.Config) {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	c, err := ldconf.Load(path, ldconf.WithDebug(true))
	if err != nil {
		tb.Fatal(err)
	}
	return path, c
}
