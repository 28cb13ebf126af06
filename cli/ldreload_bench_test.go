package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// BenchmarkReload1000Virtuals is the lab's reload benchmark
// (docs/performance.md) natively: a 1,000-virtual config with autoreload, one weight changed by rename (as
// editors do); it reports the time from the rename until the table has
// the new weight, and the writes that took.
func BenchmarkReload1000Virtuals(b *testing.B) {
	conf := func(w int) string {
		var c strings.Builder
		c.WriteString("checkinterval=10\nchecktimeout=2\nautoreload=yes\n\n")
		for v := range 1000 {
			weight := 1
			if v == 449 {
				weight = w
			}
			fmt.Fprintf(&c, "virtual=10.100.%d.%d:80\n\treal=10.200.%d.%d:80 gate %d\n\tchecktype=on\n\n", v/250, v%250+1, v/100+1, v%100+1, weight)
		}
		return c.String()
	}
	dir := b.TempDir()
	path, c := loadDaemonConfig(b, dir, "bench.cf", conf(1))
	client := ipvstest.NewFake()
	ctx, cancel := context.WithCancel(context.Background())
	done := runQuietDaemon(ctx, client, c, path, func() (*ldconf.Config, error) { return ldconf.Load(path, ldconf.WithDebug(true)) })
	defer func() { cancel(); <-done }()
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP,
		Address: netip.MustParseAddr("10.100.1.200"), Port: 80}
	weightIs := func(w int32) bool {
		ds, _ := client.Destinations(&svc)
		return len(ds) == 1 && ds[0].Weight == w
	}
	waitFor := func(w int32) {
		deadline := time.Now().Add(10 * time.Second)
		for !weightIs(w) {
			if time.Now().After(deadline) {
				b.Fatalf("weight %d not in the table after 10 s", w)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	// Every real's first check (within a second of the start) is in.
	deadline := time.Now().Add(30 * time.Second)
	for len(client.Calls()) < 2000 {
		if time.Now().After(deadline) {
			b.Fatalf("start-up: %d writes, want 2,000", len(client.Calls()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitFor(1)
	time.Sleep(300 * time.Millisecond)
	weights := []int{7, 1}
	var writes int64
	var total time.Duration
	i := 0
	for b.Loop() {
		w := weights[i%2]
		i++
		tmp := path + ".new"
		if err := os.WriteFile(tmp, []byte(conf(w)), 0o644); err != nil {
			b.Fatal(err)
		}
		client.ResetCalls()
		start := time.Now()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		waitFor(int32(w))
		total += time.Since(start)
		time.Sleep(300 * time.Millisecond) // let the reload finish its writes
		writes += int64(len(client.Calls()))
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(i), "ms-to-table")
	b.ReportMetric(float64(writes)/float64(i), "writes/reload")
}
