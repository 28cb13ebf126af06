package metrics

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Gatherer fills a Set with the current values.
type Gatherer func(*Set) error

// Serve answers GET /metrics on addr with what gather produces, each
// scrape reading fresh values. It returns once the socket listens, so a
// bad address is an error of the caller's start-up; stop shuts the server
// down (waiting at most a few seconds for scrapes in flight) and waits for
// its goroutine.
func Serve(addr string, gather Gatherer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(gather))
	srv := &http.Server{
		Handler: mux,
		// A scraper that stalls must not hold a goroutine forever.
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(ln)
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		wg.Wait()
	}, nil
}

// Handler serves one scrape per request. A failed gather is a 500, so
// Prometheus marks the target down instead of storing a partial table.
func Handler(gather Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var s Set
		if err := gather(&s); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if _, err := s.WriteTo(&buf); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		_, _ = w.Write(buf.Bytes())
	})
}
