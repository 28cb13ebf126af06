//go:build e2e

package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	start := time.Now()
	cmd.Run() // exit 3: stopped
	t.Logf("ldirectord status without the cache: %s", time.Since(start).Round(100*time.Millisecond))
	b, err := os.ReadFile(inc)
	if err != nil {
		t.Fatalf("ldirectord's module list: %v", err)
	}
	// Copied in-process: a cp per file costs a process start each.
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		mod, path, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasSuffix(path, "/"+mod) || strings.HasPrefix(path, d) {
			continue
		}
		base := strings.TrimSuffix(path, mod)
		if err := copyFile(path, filepath.Join(lib, mod)); err != nil {
			t.Fatal(err)
		}
		auto := "auto/" + strings.TrimSuffix(mod, ".pm")
		filepath.WalkDir(base+auto, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			if err := copyFile(p, filepath.Join(lib, strings.TrimPrefix(p, base))); err != nil {
				t.Fatal(err)
			}
			return nil
		})
	}
	if err := os.WriteFile(filepath.Join(d, "done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(debianLd, cfg, "status")
	cmd.Env = append(os.Environ(), "PERL5LIB="+lib)
	start = time.Now()
	cmd.Run()
	t.Logf("ldirectord status with the cache: %s", time.Since(start).Round(100*time.Millisecond))
	return lib
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
