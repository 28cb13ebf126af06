package daemon

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The daemon's umask denies the group write and others everything, and
// keeps what an admin's stricter mask denies besides.
func TestRestrictUmask(t *testing.T) {
	orig := syscall.Umask(0)
	defer syscall.Umask(orig)
	for _, c := range []struct{ before, after int }{
		{0o000, 0o027}, {0o022, 0o027}, {0o002, 0o027}, {0o077, 0o077}, {0o007, 0o027}, {0o277, 0o277},
	} {
		syscall.Umask(c.before)
		if old := RestrictUmask(); old != c.before {
			t.Errorf("umask %03o: RestrictUmask returned %03o", c.before, old)
		}
		if got := syscall.Umask(0); got != c.after {
			t.Errorf("umask %03o: %03o after RestrictUmask, want %03o", c.before, got, c.after)
		}
	}
}

// The pid file stays readable by everyone under the daemon's umask.
func TestPidFileModeUnderDaemonUmask(t *testing.T) {
	defer syscall.Umask(syscall.Umask(UmaskBits))
	p := PidFile{Path: filepath.Join(t.TempDir(), "ldirectord.x.pid")}
	if err := p.Write(4242); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p.Path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("pid file: %v %v, want 0644", st.Mode(), err)
	}
}
