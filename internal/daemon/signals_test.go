package daemon

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// ldirectord stops cleanly on all of ld_handler_term's signals, and logs
// the signal's name; HUP reloads.
func TestStopSignals(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stop, hup, cleanup := Signals(ctx)
	defer func() {
		cancel()
		cleanup()
	}()
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	select {
	case <-hup:
	case <-time.After(5 * time.Second):
		t.Fatal("HUP: no reload")
	}
	for _, sig := range []syscall.Signal{syscall.SIGXFSZ, syscall.SIGABRT, syscall.SIGTERM} {
		syscall.Kill(os.Getpid(), sig)
		select {
		case name := <-stop:
			if want := stopSignals[sig]; name != want {
				t.Errorf("%v: stop %q, want %q", sig, name, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%v: no stop", sig)
		}
	}
}
