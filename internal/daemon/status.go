package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/accept"
)

// ServeStatus answers each connection on a root-only unix socket with
// one JSON Snapshot. The returned stop closes the socket and waits for
// the serving goroutines.
func ServeStatus(path string, f director.StatusFunc) (stop func(), err error) {
	ln, err := listenPrivate(path)
	if err != nil {
		return nil, fmt.Errorf("status socket: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopConns := accept.Serve(ln, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
		defer qcancel()
		snap, err := f(qctx)
		if err != nil {
			return
		}
		_ = json.NewEncoder(c).Encode(snap)
	})
	return func() {
		cancel()
		stopConns()
		os.Remove(path)
	}, nil
}

// listenPrivate listens on a unix socket at path that only root can
// open from its first moment: it is bound in a private directory, made
// 0600 there, and only then renamed into place (a stale socket of a
// killed daemon is replaced).
func listenPrivate(path string) (*net.UnixListener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".ldsock")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // the caller removes path
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// QueryStatus reads one Snapshot from a daemon's status socket.
func QueryStatus(path string, timeout time.Duration) (director.Snapshot, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return director.Snapshot{}, fmt.Errorf("status: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	var s director.Snapshot
	if err := json.NewDecoder(c).Decode(&s); err != nil {
		return director.Snapshot{}, fmt.Errorf("status: %w", err)
	}
	if s.PID == 0 {
		return s, errors.New("status: empty answer")
	}
	return s, nil
}
