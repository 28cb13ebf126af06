package cli

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// BenchmarkDaemonBlackHole1000Reals is the lab's black hole natively,
// away from the lab's emulated CPU: the daemon (fake IPVS table,
// pipelined as the kernel client is) checks 1,000 reals on lo every
// second; an iptables rule drops their SYNs, then goes. It reports how
// long after the rule went in every real was quiesced and how long after
// it went every real was back (iptables' own run not counted), beside the
// design's bounds: checktimeout + checkinterval (3 s) and checkinterval +
// the SYN's first retransmission (2 s), each plus a pass. Needs root and
// iptables (it adds and removes one INPUT rule for its own port).
func BenchmarkDaemonBlackHole1000Reals(b *testing.B) {
	iptables, err := exec.LookPath("iptables")
	if err != nil || os.Geteuid() != 0 {
		b.Skip("needs root and iptables")
	}
	port, _ := startAcceptor(b)
	path, c := loadDaemonConfig(b, b.TempDir(), "bench.cf", thousandReals(port))
	rule := []string{"INPUT", "-d", "127.1.0.0/16", "-p", "tcp", "--dport", strconv.Itoa(port), "-j", "DROP"}
	ipt := func(op string) {
		if out, err := exec.Command(iptables, append([]string{op}, rule...)...).CombinedOutput(); err != nil {
			b.Fatalf("iptables %s: %v: %s", op, err, out)
		}
	}
	b.Cleanup(func() { _ = exec.Command(iptables, append([]string{"-D"}, rule...)...).Run() })
	testutil.RestoreRuntime(b)
	daemon.Tune()
	for b.Loop() {
		fake := ipvstest.NewFake()
		ctx, cancel := context.WithCancel(context.Background())
		done := runQuietDaemon(ctx, ipvstest.NewBatching(fake), c, path, func() (*ldconf.Config, error) { return c, nil })
		waitWeights(b, fake, true, 1000)
		time.Sleep(3 * time.Second) // checks spread over their interval
		ipt("-I")
		start := time.Now()
		waitWeights(b, fake, false, 1000)
		quiesced := time.Since(start)
		ipt("-D")
		start = time.Now()
		waitWeights(b, fake, true, 1000)
		back := time.Since(start)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(quiesced.Seconds(), "quiesced-s")
		b.ReportMetric(back.Seconds(), "back-s")
	}
}

// waitWeights polls the table every 10 ms until n destinations have a
// weight above 0 (up) or of 0 (!up); it fails after 30 s.
func waitWeights(b *testing.B, fake *ipvstest.Fake, up bool, n int) {
	b.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		svcs, err := fake.Services()
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		for i := range svcs {
			ds, err := fake.Destinations(&svcs[i])
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range ds {
				if (d.Weight > 0) == up {
					count++
				}
			}
		}
		if count >= n {
			return
		}
	}
	b.Fatalf("not %d destinations up=%v within 30 s", n, up)
}
