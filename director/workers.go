package director

import (
	"sync"
	"sync/atomic"
	"time"
)

// workerIdle is how long a worker waits for another check before it ends.
const workerIdle = time.Second

// workers runs the probers' checks on goroutines that outlive one check.
// A timer's goroutine is new each time, with the smallest stack, and a
// check needs the next size: with a goroutine per check, the runtime grew
// and copied a stack a thousand times a second, 7% of the daemon's CPU
// in the lab (perf, docs/performance.md). A worker keeps its grown stack
// from check to check. Workers are made when every one is busy, up to
// max, and end after workerIdle without work, so a black hole's thousand
// waiting checks leave no thousand idle goroutines behind.
type workers struct {
	work    chan func()
	slots   chan struct{} // one per live worker
	quit    chan struct{}
	wg      sync.WaitGroup
	idle    time.Duration
	started atomic.Int64 // workers made so far
}

func newWorkers(max int, idle time.Duration) *workers {
	return &workers{work: make(chan func()), slots: make(chan struct{}, max), quit: make(chan struct{}), idle: idle}
}

// run runs f on an idle worker, on a new one if none is idle and there
// is room, or else on the first to become idle. It must not be called
// after close.
func (w *workers) run(f func()) {
	select {
	case w.work <- f:
		return
	default:
	}
	select {
	case w.work <- f:
	case w.slots <- struct{}{}:
		w.started.Add(1)
		w.wg.Add(1)
		go w.loop(f)
	}
}

func (w *workers) loop(f func()) {
	defer w.wg.Done()
	defer func() { <-w.slots }()
	idle := time.NewTimer(w.idle)
	defer idle.Stop()
	for {
		f()
		idle.Reset(w.idle)
		select {
		case f = <-w.work:
		case <-idle.C:
			return
		case <-w.quit:
			return
		}
	}
}

// close ends the idle workers and waits for the busy ones to finish.
func (w *workers) close() {
	close(w.quit)
	w.wg.Wait()
}
