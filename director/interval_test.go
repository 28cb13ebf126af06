package director

import (
	"testing"
	"testing/synctest"
	"time"
)

// A virtual's own checkinterval counts only with fork=yes, as in
// ldirectord, where only the per-virtual children sleep it; with fork=no
// every virtual is checked at the global interval.
func TestPerVirtualCheckInterval(t *testing.T) {
	const cfg = `checkinterval=30
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	checktype=connect
	checkinterval=1
virtual=192.168.100.2:80
	real=10.0.0.3:80 gate
	checktype=connect
`
	for _, tc := range []struct {
		fork string
		// checks of 10.0.0.2 (own interval 1 s) in 3.5 s
		fastMin, fastMax int
	}{
		{"yes", 3, 5},
		{"no", 1, 1},
	} {
		t.Run("fork="+tc.fork, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				h := newBubbleHarness(t, "fork="+tc.fork+"\n"+cfg)
				h.interval = 0
				h.health.set("10.0.0.2", true)
				h.health.set("10.0.0.3", true)
				h.start()
				time.Sleep(3500 * time.Millisecond)
				synctest.Wait()
				if n := h.health.count("10.0.0.2"); n < tc.fastMin || n > tc.fastMax {
					t.Errorf("10.0.0.2 (checkinterval=1) checked %d times in 3.5 s, want %d..%d", n, tc.fastMin, tc.fastMax)
				}
				// The global 30 s: only the first check, within a second.
				if n := h.health.count("10.0.0.3"); n != 1 {
					t.Errorf("10.0.0.3 (global checkinterval=30) checked %d times in 3.5 s, want 1", n)
				}
			})
		})
	}
}
