//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Under TCG every file lookup over the lab's 9p share is slow, and Perl
// looks for each module in up to nine @INC directories: one ldirectord
// command costs 10-20 s, mostly in ENOENTs. debianPerlCache copies the
// modules ldirectord loads (and their XS parts) into one tmpfs directory
// meant for PERL5LIB, which Perl searches first. Nothing changes but where
// the same files are read from; a module missing from the cache is still
// found in the usual places.
func debianPerlCache(t *testing.T) string {
	t.Helper()
	d := filepath.Join(os.TempDir(), "ldperl")
	lib := filepath.Join(d, "lib")
	if _, err := os.Stat(filepath.Join(d, "done")); err == nil {
		return lib
	}
	os.RemoveAll(d)
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	inc := filepath.Join(d, "inc.txt")
	dump := "package IncDump; END { if (open my $f, '>', '" + inc + "') { print $f \"$_\\t$INC{$_}\\n\" for sort keys %INC; close $f } } 1;\n"
	cfg := filepath.Join(d, "probe.cf")
	for name, text := range map[string]string{"IncDump.pm": dump, "probe.cf": "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n"} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(debianLd, cfg, "status")
	cmd.Env = append(os.Environ(), "PERL5LIB="+d, "PERL5OPT=-MIncDump")
	cmd.Run() // exit 3: stopped
	b, err := os.ReadFile(inc)
	if err != nil {
		t.Fatalf("ldirectord's module list: %v", err)
	}
	script := "set -e\n"
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		mod, path, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasSuffix(path, "/"+mod) || strings.HasPrefix(path, d) {
			continue
		}
		base := strings.TrimSuffix(path, mod)
		script += "mkdir -p " + filepath.Dir(filepath.Join(lib, mod)) + "; cp " + path + " " + filepath.Join(lib, mod) + "\n"
		auto := "auto/" + strings.TrimSuffix(mod, ".pm")
		script += "if [ -d " + base + auto + " ]; then mkdir -p " + filepath.Join(lib, auto) + "; cp -r " + base + auto + "/. " + filepath.Join(lib, auto) + "/; fi\n"
	}
	script += "touch " + filepath.Join(d, "done") + "\n"
	sh(t, script)
	return lib
}
