package ldconf

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The logfile= and monitorfile= the parser creates are 0640 whatever the
// umask lets through; an existing file keeps its mode and content.
func TestOpenAppendMode(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := t.TempDir()
	created := filepath.Join(dir, "ld.log")
	if err := (OSFS{}).OpenAppend(created); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(created); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("created with umask 0: %v %v, want 0640", st.Mode(), err)
	}
	existing := filepath.Join(dir, "monitor")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := (OSFS{}).OpenAppend(existing); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(existing)
	if st, err := os.Stat(existing); err != nil || st.Mode().Perm() != 0o604 || string(b) != "old\n" {
		t.Errorf("existing 0604 file: %v %v %q", st.Mode(), err, b)
	}
}
