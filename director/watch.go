package director

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// configWatcher is check_cfgfile made prompt: it reports when the
// configuration's content changes. It watches the directory, because
// editors replace files by rename and a watch on the old inode would go
// quiet; events are debounced so a save in several writes is one change;
// and it compares content, so a touch is not a change. A slow stat poll
// backs up inotify (symlinked configs, exhausted inotify watches).
type configWatcher struct {
	path     string
	debounce time.Duration
	poll     time.Duration
	log      *Logger
	// pollOnly leaves inotify out: tests in a testing/synctest bubble,
	// whose fake clock cannot move while inotify's reader waits on I/O.
	pollOnly bool

	digest [sha256.Size]byte
	stat   os.FileInfo
}

func newConfigWatcher(path string, debounce, poll time.Duration, log *Logger) *configWatcher {
	w := &configWatcher{path: path, debounce: debounce, poll: poll, log: log}
	// The first look only records the checksum, as in ldirectord.
	w.digest, _ = fileDigest(path)
	w.stat, _ = os.Stat(path)
	return w
}

func fileDigest(path string) ([sha256.Size]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// replacedSettle is the wait after a file appeared whole under the
// config's name (an editor's or a config manager's rename): nothing more
// will be written to it, so only a burst of renames needs coalescing.
const replacedSettle = 10 * time.Millisecond

// settleFor is how long to wait after ev before reading the file: short
// after a rename into place, the full debounce after in-place writes,
// which may come in several pieces.
func (w *configWatcher) settleFor(ev fsnotify.Event) time.Duration {
	if ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) {
		return min(replacedSettle, w.debounce)
	}
	return w.debounce
}

// run sends on changed after each change of content until ctx is done.
func (w *configWatcher) run(ctx context.Context, changed chan<- struct{}) error {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if !w.pollOnly {
		fw, err := fsnotify.NewWatcher()
		if err == nil {
			if err = fw.Add(filepath.Dir(w.path)); err != nil {
				fw.Close()
			}
		}
		if err != nil {
			w.log.Printf("Watching %s: %v; polling every %s instead", w.path, err, w.poll)
		} else {
			defer fw.Close()
			events, errs = fw.Events, fw.Errors
		}
	}
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	poll := time.NewTicker(w.poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == filepath.Clean(w.path) {
				settle.Reset(w.settleFor(ev))
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.log.Printf("Watching %s: %v", w.path, err)
		case <-poll.C:
			st, err := os.Stat(w.path)
			if err != nil || w.stat != nil && st.ModTime().Equal(w.stat.ModTime()) && st.Size() == w.stat.Size() && os.SameFile(st, w.stat) {
				continue
			}
			w.stat = st
			settle.Reset(w.debounce)
		case <-settle.C:
			w.stat, _ = os.Stat(w.path)
			d, err := fileDigest(w.path)
			if err != nil {
				w.log.Printf("Warning [%d]: can not open file %s for checking", os.Getpid(), w.path)
				continue
			}
			if d == w.digest {
				continue
			}
			w.digest = d
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
