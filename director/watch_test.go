package director

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

func TestWatcherSettle(t *testing.T) {
	w := &configWatcher{debounce: 200 * time.Millisecond}
	for _, c := range []struct {
		op   fsnotify.Op
		want time.Duration
	}{
		{fsnotify.Create, replacedSettle},
		{fsnotify.Write, 200 * time.Millisecond},
		{fsnotify.Create | fsnotify.Write, 200 * time.Millisecond},
		{fsnotify.Chmod, 200 * time.Millisecond},
	} {
		if got := w.settleFor(fsnotify.Event{Op: c.op}); got != c.want {
			t.Errorf("%v: settle %v, want %v", c.op, got, c.want)
		}
	}
}

// A config replaced by rename is reported well before the in-place
// debounce, and one written in place only after it.
func TestWatcherRenameIsPrompt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ld.cf")
	if err := os.WriteFile(path, []byte("checkinterval=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const debounce = 2 * time.Second
	log := NewLogger(&testutil.SyncBuffer{}, &testutil.SyncBuffer{}, "ld.cf")
	w := newConfigWatcher(path, debounce, time.Hour, log)
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- w.run(ctx, changed) }()
	defer func() { cancel(); <-done }()
	time.Sleep(100 * time.Millisecond) // the watch is in place

	tmp := filepath.Join(dir, ".ld.cf.new")
	if err := os.WriteFile(tmp, []byte("checkinterval=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
		if d := time.Since(start); d >= debounce {
			t.Errorf("rename reported after %v, not before the %v debounce", d, debounce)
		}
	case <-time.After(debounce - 100*time.Millisecond):
		t.Fatal("rename into place not reported before the debounce")
	}

	start = time.Now()
	if err := os.WriteFile(path, []byte("checkinterval=3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
		if d := time.Since(start); d < debounce {
			t.Errorf("in-place write reported after %v, before the debounce", d)
		}
	case <-time.After(3 * debounce):
		t.Fatal("in-place write never reported")
	}
}
