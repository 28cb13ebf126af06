package ldconf

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad1000Virtuals: what a reload of the benchmarks'
// 1,000-virtual config (docs/performance.md) costs in parsing (names numeric, so no resolver time).
func BenchmarkLoad1000Virtuals(b *testing.B) {
	var cfg strings.Builder
	cfg.WriteString("checkinterval=10\nchecktimeout=2\nquiescent=yes\nautoreload=yes\n\n")
	for v := range 1000 {
		fmt.Fprintf(&cfg, "virtual=10.100.%d.%d:80\n\treal=10.200.%d.%d:80 gate 1\n\tchecktype=connect\n\tscheduler=wrr\n\n", v/250, v%250+1, v/100+1, v%100+1)
	}
	path := filepath.Join(b.TempDir(), "bench.cf")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(path, WithDebug(true)); err != nil {
			b.Fatal(err)
		}
	}
}
