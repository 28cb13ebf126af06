package cli

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

const (
	ourUnit    = "../dist/systemd/lvsctl-ldirectord.service"
	debianUnit = "/lib/systemd/system/ldirectord.service"
)

// unitService reads a unit's [Service] section; Debian's unit comes
// from the ldirectord package `make test` installs first, and is
// skipped without it.
func unitService(t *testing.T, path string) map[string]string {
	t.Helper()
	m, err := testutil.UnitService(path)
	if errors.Is(err, fs.ErrNotExist) && path != ourUnit {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Our unit runs what Debian's runs, with lvsctl as ldirectord.
func TestSystemdUnitMatchesDebians(t *testing.T) {
	ours := unitService(t, ourUnit)
	deb := unitService(t, debianUnit)
	for _, k := range []string{"Type", "PIDFile", "ExecStartPost", "ExecStopPost"} {
		if ours[k] != deb[k] || ours[k] == "" {
			t.Errorf("%s=%q, Debian's %q", k, ours[k], deb[k])
		}
	}
	for _, k := range []string{"ExecStart", "ExecReload", "ExecStop"} {
		want := strings.Replace(deb[k], "/usr/sbin/ldirectord", "/usr/local/sbin/lvsctl ldirectord", 1)
		if ours[k] != want || !strings.HasPrefix(deb[k], "/usr/sbin/ldirectord ") {
			t.Errorf("%s=%q, want %q (Debian's %q)", k, ours[k], want, deb[k])
		}
	}
	// The pid file is the one the ldirectord personality writes for the
	// default configuration.
	if want := "/run/ldirectord.ldirectord.pid"; ours["PIDFile"] != want {
		t.Errorf("PIDFile=%q", ours["PIDFile"])
	}
}

// systemd itself accepts the unit, as make install writes it.
func TestSystemdUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	b, err := os.ReadFile(ourUnit)
	if err != nil {
		t.Fatal(err)
	}
	// make install's substitution, with a binary that exists here.
	unit := strings.ReplaceAll(string(b), "/usr/local/sbin/lvsctl", "/bin/true")
	p := filepath.Join(t.TempDir(), "lvsctl-ldirectord.service")
	if err := os.WriteFile(p, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", p).CombinedOutput()
	// verify also reports on other installed units; only ours matters.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "lvsctl-ldirectord.service") {
			t.Errorf("systemd-analyze: %s", line)
		}
	}
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
