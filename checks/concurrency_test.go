package checks

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A thousand checks at once cost about what one costs in wall time (one
// after the other they would take 100 s), and leave no goroutine behind.
func TestManyConcurrentChecks(t *testing.T) {
	port := httpServer(t, nil, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		fmt.Fprint(w, "ok")
	})
	tg := target("http", port)
	tg.Receive = "ok"
	// Generous: with -race on two cores the test server is the bottleneck.
	tg.NegotiateTimeout = 60 * time.Second
	before := runtime.NumGoroutine()
	const n = 1000
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed, reason := 0, ""
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := (HTTP{}).Check(context.Background(), tg); !r.Up {
				mu.Lock()
				failed++
				reason = r.Reason
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("%d concurrent checks took %v", n, d)
	}
	if failed > 0 {
		t.Errorf("%d of %d checks failed, e.g. %s", failed, n, reason)
	}
	// Only the test server's goroutines may remain, and they wind down.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+5 {
		t.Errorf("goroutines: %d before, %d after", before, g)
	}
}
