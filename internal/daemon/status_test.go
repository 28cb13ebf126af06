package daemon

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/director"
)

func TestStatusSocketPrivateAndReplacesStale(t *testing.T) {
	dir := t.TempDir()
	path := SocketPath(dir, "site.cf")
	// A killed daemon's socket file.
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	stop, err := ServeStatus(path, func(context.Context) (director.Snapshot, error) {
		return director.Snapshot{Config: "/etc/ha.d/site.cf", PID: 42}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v %v", st.Mode(), err)
	}
	s, err := QueryStatus(path, 2*time.Second)
	if err != nil || s.PID != 42 || s.Config != "/etc/ha.d/site.cf" {
		t.Errorf("%+v %v", s, err)
	}
	stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left after stop: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".ldsock*")); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}
