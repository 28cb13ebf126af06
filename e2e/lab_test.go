//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The e2e tests run inside the lab VM (make e2e): a real kernel with IPVS
// and Debian's ipvsadm and ldirectord as oracles.

const realIpvsadmDir = "/usr/sbin"

func requireLab(t *testing.T) {
	t.Helper()
	if os.Getenv("LAB") == "" {
		t.Skip("needs the lab VM (make e2e)")
	}
}

// lvsctlBin is the binary under test, built by make e2e.
func lvsctlBin(t *testing.T) string {
	t.Helper()
	b := os.Getenv("LVSCTL")
	if b == "" {
		t.Fatal("LVSCTL is not set")
	}
	return b
}

// shimDir holds a symlink named ipvsadm pointing at lvsctl.
func shimDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(os.TempDir(), "lvsctl-shim")
	if _, err := os.Stat(filepath.Join(d, "ipvsadm")); err == nil {
		return d
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(lvsctlBin(t), filepath.Join(d, "ipvsadm")); err != nil {
		t.Fatal(err)
	}
	return d
}

// resetKernel brings IPVS back to a boot-fresh state with Debian's tool.
func resetKernel(t *testing.T) {
	t.Helper()
	for _, args := range [][]string{
		{"-C"}, {"--set", "900", "120", "300"},
		{"--stop-daemon", "master"}, {"--stop-daemon", "backup"},
	} {
		exec.Command(filepath.Join(realIpvsadmDir, "ipvsadm"), args...).Run()
	}
	exec.Command("sh", "-c", "ip netns list | awk '{print $1}' | xargs -r -n1 ip netns del; iptables -F; iptables -t mangle -F; ip link del dummy0 2>/dev/null; true").Run()
}

func sh(t *testing.T, script string) string {
	t.Helper()
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

// lineDiff shows the lines that differ, with line numbers.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var sb strings.Builder
	n := len(al)
	if len(bl) > n {
		n = len(bl)
	}
	shown := 0
	for i := 0; i < n && shown < 40; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&sb, "%4d -%q\n     +%q\n", i+1, x, y)
			shown++
		}
	}
	return sb.String()
}
