package director

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Checks one after the other run on one worker; checks at once on as many
// workers as there is room for, the rest waiting for a free one.
func TestWorkersReuseAndBound(t *testing.T) {
	w := newWorkers(2, time.Minute)
	var ran sync.WaitGroup
	for range 5 {
		ran.Add(1)
		w.run(ran.Done)
		ran.Wait()
	}
	if got := w.started.Load(); got != 1 {
		t.Errorf("5 checks in turn started %d workers, want 1", got)
	}
	var running, most atomic.Int64
	release := make(chan struct{})
	for range 6 {
		ran.Add(1)
		go w.run(func() {
			defer ran.Done()
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
			running.Add(-1)
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	ran.Wait()
	if most.Load() != 2 || w.started.Load() != 2 {
		t.Errorf("6 checks at once: %d ran together on %d workers, want 2 on 2", most.Load(), w.started.Load())
	}
	w.close()
}

// An idle worker ends after the idle time; close waits for busy ones.
func TestWorkersEnd(t *testing.T) {
	w := newWorkers(4, 20*time.Millisecond)
	w.run(func() {})
	time.Sleep(200 * time.Millisecond)
	if len(w.slots) != 0 {
		t.Errorf("%d workers alive after the idle time", len(w.slots))
	}
	done := make(chan struct{})
	w.run(func() { time.Sleep(100 * time.Millisecond); close(done) })
	w.close()
	select {
	case <-done:
	default:
		t.Error("close returned before the busy worker finished")
	}
}
