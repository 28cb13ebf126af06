package director

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// benchSweep measures one sweep (engine.sweep: the services listed once,
// each managed virtual's reals read once, compared, nothing to write) of
// a table of virtuals × reals, every real up, on the fake table.
func benchSweep(b *testing.B, virtuals, reals int) {
	var cfg strings.Builder
	for v := range virtuals {
		fmt.Fprintf(&cfg, "virtual=10.100.%d.%d:80\n\tchecktype=on\n", v/250, v%250+1)
		for r := range reals {
			fmt.Fprintf(&cfg, "\treal=10.%d.%d.%d:80 gate\n", 1+v/250, v%250, r+1)
		}
		cfg.WriteString("\n")
	}
	et := newEngineTest(b, cfg.String(), func(f *ipvstest.Fake) {
		for v := range virtuals {
			s := svc(fmt.Sprintf("10.100.%d.%d", v/250, v%250+1), 80, "wrr")
			must(f.AddService(&s))
			for r := range reals {
				d := gateDest(fmt.Sprintf("10.%d.%d.%d", 1+v/250, v%250, r+1), 80, 1)
				must(f.AddDestination(&s, &d))
			}
		}
	})
	if n := len(et.calls()); n != 0 {
		b.Fatalf("the start-up sync wrote %d times", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		et.e.sweep()
	}
	if n := len(et.fake.Calls()); n != 0 {
		b.Fatalf("a sweep of an unchanged table wrote %d times", n)
	}
}

func BenchmarkSweep10x100(b *testing.B) { benchSweep(b, 10, 100) }
func BenchmarkSweep1000x1(b *testing.B) { benchSweep(b, 1000, 1) }
