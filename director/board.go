package director

import (
	"sync"
	"time"
)

// RealStatus is the last known health of one real id, for status output.
type RealStatus struct {
	Up          bool `json:"up"`
	Maintenance bool `json:"maintenance,omitempty"`
	FailCount   int  `json:"failcount"`
	// Failures counts failed checks since the last good one (FailCount
	// stops counting once the real is down).
	Failures  int           `json:"failures"`
	LastCheck time.Time     `json:"last_check"`
	Latency   time.Duration `json:"latency_ns"`
	Reason    string        `json:"reason,omitempty"`
	Timeout   bool          `json:"timeout,omitempty"`
	// Lag is how late the last check started; Late says it timed out
	// while the director was behind and was taken as no answer yet.
	Lag  time.Duration `json:"lag_ns"`
	Late bool          `json:"late,omitempty"`
}

// board is where probers publish their last results; readers (the status
// socket) get copies. It never feeds back into decisions.
type board struct {
	mu sync.Mutex
	m  map[string]RealStatus
}

func newBoard() *board { return &board{m: map[string]RealStatus{}} }

func (b *board) set(id string, f func(*RealStatus)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.m[id]
	f(&s)
	b.m[id] = s
}

func (b *board) get(id string) RealStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[id]
}

// reset forgets every id (a reload starts fresh, like ldirectord).
func (b *board) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m = map[string]RealStatus{}
}
