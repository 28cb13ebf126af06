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

// unitService reads a unit's [Service] section: each key's values in
// order (Exec* lines may repeat; systemd runs them one after the other).
func unitService(t *testing.T, path string) map[string][]string {
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

// checkLine is how our unit checks the default configuration before
// start and reload: the table on standard output is dropped, the errors
// (standard error) reach the journal.
const checkLine = "/bin/sh -c 'exec /usr/local/sbin/lvsctl ldirectord --check >/dev/null'"

// Our unit runs what Debian's runs, with lvsctl as ldirectord, and checks
// the configuration before start and reload.
func TestSystemdUnitMatchesDebians(t *testing.T) {
	ours := unitService(t, ourUnit)
	deb := unitService(t, debianUnit)
	for _, k := range []string{"Type", "PIDFile", "ExecStartPost", "ExecStopPost"} {
		if strings.Join(ours[k], "\n") != strings.Join(deb[k], "\n") || len(ours[k]) != 1 {
			t.Errorf("%s=%q, Debian's %q", k, ours[k], deb[k])
		}
	}
	lvsctl := func(k string) string {
		if len(deb[k]) != 1 || !strings.HasPrefix(deb[k][0], "/usr/sbin/ldirectord ") {
			t.Fatalf("Debian's %s=%q", k, deb[k])
		}
		return strings.Replace(deb[k][0], "/usr/sbin/ldirectord", "/usr/local/sbin/lvsctl ldirectord", 1)
	}
	for k, want := range map[string][]string{
		"ExecStartPre": {checkLine},
		"ExecStart":    {lvsctl("ExecStart")},
		"ExecReload":   {checkLine, lvsctl("ExecReload")},
		"ExecStop":     {lvsctl("ExecStop")},
		"Restart":      {"on-failure"},
	} {
		if strings.Join(ours[k], "\n") != strings.Join(want, "\n") {
			t.Errorf("%s=%q, want %q", k, ours[k], want)
		}
	}
	if len(deb["Restart"]) != 0 || len(deb["ExecStartPre"]) != 0 {
		t.Errorf("Debian's unit changed: Restart=%q ExecStartPre=%q", deb["Restart"], deb["ExecStartPre"])
	}
	// The pid file is the one the ldirectord personality writes for the
	// default configuration.
	if want := "/run/ldirectord.ldirectord.pid"; strings.Join(ours["PIDFile"], "") != want {
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
	if !strings.Contains(unit, "Restart=on-failure\n") {
		t.Errorf("no Restart=on-failure")
	}
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
