package testutil

import (
	"testing"
	"time"
)

// WaitFor polls cond every 5 ms until it holds. If it does not hold
// within d the test fails with what(): what was awaited and, if it helps,
// what there was instead. Inside a testing/synctest bubble d and the
// polls are the bubble's time.
func WaitFor(t testing.TB, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	WaitEvery(t, d, 5*time.Millisecond, cond, what)
}

// WaitEvery is WaitFor polling every interval, for conditions that are
// costly to test (a command run in the lab).
func WaitEvery(t testing.TB, d, every time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what())
		}
		time.Sleep(every)
	}
}
