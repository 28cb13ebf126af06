package director

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Reals flapping for a minute (four of 200 change state every 100 ms,
// checked every second with the daemon's own random delays, writes
// pipelined): every write has its log line, a real's lines alternate
// (none repeated, none out of order), and once the flapping stops the
// table and each real's last line are its last state.
func TestFlappingLogMatchesTable(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { flapAndCompare(t, seed) })
		})
	}
}

func flapAndCompare(t *testing.T, seed uint64) {
	const n, virtuals = 200, 4
	addr := func(i int) string { return fmt.Sprintf("10.1.0.%d", i+1) }
	per := n / virtuals
	cfg := "checkinterval=1\nchecktimeout=1\nquiescent=yes\n"
	for v := range virtuals {
		cfg += fmt.Sprintf("virtual=192.168.100.%d:80\n\tchecktype=connect\n", v+1)
		for i := v * per; i < (v+1)*per; i++ {
			cfg += "\treal=" + addr(i) + ":80 gate 5\n"
		}
	}
	h := newBubbleHarness(t, cfg)
	h.interval, h.workers = 0, 0 // the configuration's interval, a check per real
	h.randomJitter = true
	h.metrics = NewMetrics()
	rnd := rand.New(rand.NewPCG(seed, 0)) // the flips; the checks' delays are the daemon's own
	up := make([]bool, n)
	for i := range up {
		up[i] = true
		h.health.set(addr(i), true)
	}
	h.start()
	h.settle()
	flips := 0
	for range 600 {
		for range 4 {
			i := rnd.IntN(n)
			up[i] = !up[i]
			h.health.set(addr(i), up[i])
			flips++
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // a check round and more
	synctest.Wait()

	writes := 0
	last := map[string]string{}
	for _, l := range strings.Split(h.logs.String(), "\n") {
		what := ""
		switch {
		case strings.HasPrefix(l, "Restored real server: "):
			what = "up"
		case strings.HasPrefix(l, "Quiescent real server: "):
			what = "down"
		case strings.HasPrefix(l, "Added virtual server: "), strings.HasPrefix(l, "Readd Quiescent real server: "):
			writes++
			continue
		default:
			continue
		}
		writes++
		r := strings.Fields(l)[3]
		if last[r] == what {
			t.Errorf("%s written %s twice in a row", r, what)
		}
		last[r] = what
	}
	dump := h.fake.Dump()
	for i := range n {
		w := map[bool]int{true: 5, false: 0}[up[i]]
		if !strings.Contains(dump, fmt.Sprintf("-a -t 192.168.100.%d:80 -r %s:80 -g -w %d\n", i/per+1, addr(i), w)) {
			t.Errorf("%s not at weight %d in the table", addr(i), w)
		}
		want := map[bool]string{true: "up", false: "down"}[up[i]]
		if got := last[addr(i)+":80"]; got != want && !(got == "" && up[i]) {
			t.Errorf("%s: last write %q, last state %s", addr(i), got, want)
		}
	}
	if got := gatherDaemon(t, h.metrics)["lvs_reconcile_writes_total"].Metric[0].GetCounter().GetValue(); got != float64(writes) {
		t.Errorf("lvs_reconcile_writes_total = %v, the log shows %d writes", got, writes)
	}
	if writes < flips/2 {
		t.Errorf("%d writes for %d changes of state: the reals hardly flapped", writes, flips)
	}
}
