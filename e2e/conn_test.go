//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConnFixtures lists fixture connection tables with both tools: each
// fixture is bind-mounted over /proc/net/ip_vs_conn in a private mount
// namespace, so every state, template, IPv6 and PE form is covered without
// having to create those connections. With RECORD_DIR set, Debian's output
// is saved as the golden files of the ipvsctl unit tests.
func TestConnFixtures(t *testing.T) {
	requireLab(t)
	fixtures, _ := filepath.Glob("../testdata/ipvsconn/*.conn")
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	ours := filepath.Join(shimDir(t), "ipvsadm")
	for _, f := range fixtures {
		abs, _ := filepath.Abs(f)
		name := strings.TrimSuffix(filepath.Base(f), ".conn")
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "ip_vs_conn"), []byte(readFile(t, abs)), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range []string{"-Lcn", "-Lc", "-Lcn --persistent-conn", "-Lc --persistent-conn"} {
			// /proc/net is /proc/self/net and the kernel revalidates its
			// entries on every lookup, so a file mount there is not seen:
			// the lister's whole net directory is replaced instead, by the
			// very process that will exec the lister.
			listing := func(bin string) string {
				return sh(t, "unshare -m sh -c 'mount --bind "+dir+" /proc/$$/net && exec "+bin+" "+args+"' 2>&1; echo rc=$?")
			}
			want, got := listing(realIpvsadmDir+"/ipvsadm"), listing(ours)
			fixtureLines := len(strings.Split(strings.TrimSpace(readFile(t, abs)), "\n"))
			if lines := len(strings.Split(strings.TrimSpace(want), "\n")); lines != fixtureLines+2 {
				t.Errorf("%s %s: ipvsadm printed %d lines for %d fixture lines; is the fixture mounted?\n%s", name, args, lines, fixtureLines, want)
			}
			if want != got {
				t.Errorf("%s %s (-ipvsadm +lvsctl):\n%s", name, args, lineDiff(want, got))
			}
			if dir := os.Getenv("RECORD_DIR"); dir != "" && !strings.Contains(args, " -Lc ") && strings.HasPrefix(args, "-Lcn") {
				suffix := ".lcn"
				if strings.Contains(args, "persistent") {
					suffix = ".lcnp"
				}
				os.WriteFile(filepath.Join(dir, name+suffix), []byte(want), 0o644)
			}
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
