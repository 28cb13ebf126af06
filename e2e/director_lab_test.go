//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The director tests run Debian's ldirectord and lvsctl (behind a symlink
// named ldirectord) on the same configurations, against the same real
// servers: one network namespace per real (10.0.N.2, N = 2..5) with
// busybox httpd on port 80 and a line server on port 7000.

// ldBackends creates the real servers, all down.
func ldBackends(t *testing.T) {
	t.Helper()
	script := "mkdir -p /tmp/www && echo ok >/tmp/www/index.html\n"
	for i := 2; i <= 5; i++ {
		script += fmt.Sprintf(`ip netns add rs%[1]d
ip link add h%[1]d type veth peer name r%[1]d
ip link set r%[1]d netns rs%[1]d
ip addr add 10.0.%[1]d.1/24 dev h%[1]d
ip link set h%[1]d up
ip netns exec rs%[1]d ip addr add 10.0.%[1]d.2/24 dev r%[1]d
ip netns exec rs%[1]d ip link set r%[1]d up
ip netns exec rs%[1]d ip link set lo up
`, i)
	}
	sh(t, script)
}

func ldCleanup() {
	exec.Command("bash", "-c", `for f in /run/ldirectord.*.pid; do [ -f "$f" ] && kill $(cat "$f") 2>/dev/null; done;
for p in $(pgrep -f "ldirector[d] /etc/ha.d/"); do kill $p; done; sleep 0.5;
for i in 2 3 4 5; do ip netns pids rs$i 2>/dev/null | xargs -r kill 2>/dev/null; ip link del h$i 2>/dev/null; done; true`).Run()
	for i := 2; i <= 5; i++ {
		exec.Command("ip", "netns", "del", fmt.Sprintf("rs%d", i)).Run()
	}
	os.RemoveAll("/tmp/ld")
	exec.Command("bash", "-c", "rm -f /run/ldirectord.* /var/log/ldirectord.log").Run()
}

// ldLink is a directory holding "ldirectord" → lvsctl.
func ldLink(t *testing.T) string {
	t.Helper()
	d := filepath.Join(os.TempDir(), "lvsctl-ld")
	if _, err := os.Stat(filepath.Join(d, "ldirectord")); err == nil {
		return filepath.Join(d, "ldirectord")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(lvsctlBin(t), filepath.Join(d, "ldirectord")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "ldirectord")
}

const debianLd = "/usr/sbin/ldirectord"

// ldHeader is common to every scenario: checks every second.
const ldHeader = `checktimeout=1
negotiatetimeout=2
checkinterval=1
logfile="/var/log/ldirectord.log"
`

func ipvsTable() string {
	out, _ := exec.Command("/sbin/ipvsadm", "-Sn").CombinedOutput()
	return string(out)
}
