package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// What the ldirectord command creates, its log and monitor files, is
// 0640 even under umask 0; an admin's existing log keeps its mode.
func TestLdirectordFileModes(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := t.TempDir()
	logf, monitor := filepath.Join(dir, "ld.log"), filepath.Join(dir, "monitor")
	cf := filepath.Join(dir, "modes.cf")
	src := "logfile=\"" + logf + "\"\nvirtual=192.0.2.1:80\n\treal=10.0.0.2:80 masq\n\tmonitorfile=\"" + monitor + "\"\n"
	if err := os.WriteFile(cf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, status := lvsctl(t, "ldirectord", cf, "status")
	if status != 3 || !strings.Contains(out, "ldirectord is stopped for "+cf) {
		t.Fatalf("ldirectord status: exit %d\n%s", status, out)
	}
	for _, p := range []string{logf, monitor} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o640 {
			t.Errorf("%s: %v %v, want 0640", filepath.Base(p), st.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(logf); !strings.Contains(string(b), "Exiting with exit_status 3") {
		t.Errorf("nothing logged:\n%s", b)
	}
	if err := os.Chmod(logf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, status := lvsctl(t, "ldirectord", cf, "status"); status != 3 {
		t.Fatalf("ldirectord status again: exit %d", status)
	}
	if st, err := os.Stat(logf); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("the admin's 0644 log: %v %v after a run", st.Mode(), err)
	}
}
