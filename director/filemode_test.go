package director

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A log or monitor file the director creates is 0640 whatever the umask
// lets through; an admin's existing file keeps its mode and is appended
// to.
func TestAppendFileMode(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := t.TempDir()
	created := filepath.Join(dir, "ldirectord.log")
	if err := appendFile(created, "one\n"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(created); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("created with umask 0: %v %v, want 0640", st.Mode(), err)
	}
	existing := filepath.Join(dir, "monitor")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := appendFile(existing, "new\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(existing)
	if st, err := os.Stat(existing); err != nil || st.Mode().Perm() != 0o644 || string(b) != "old\nnew\n" {
		t.Errorf("existing 0644 file: %v %v %q", st.Mode(), err, b)
	}
}
