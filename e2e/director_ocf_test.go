//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const ocfAgent = "/usr/lib/ocf/resource.d/heartbeat/ldirectord"

// ocf runs the OCF agent with lvsctl as its ldirectord.
func ocf(t *testing.T, action string) (int, string) {
	t.Helper()
	cmd := exec.Command(ocfAgent, action)
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf", "__OCF_ACTION="+action,
		"OCF_RESKEY_configfile=/etc/ha.d/ocf.cf", "OCF_RESKEY_ldirectord="+ldLink(t))
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// TestDirectorOCFAgent drives pacemaker's agent directly: start, monitor,
// stop, monitor (7 = not running), and a second stop.
func TestDirectorOCFAgent(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	ldBackends(t)
	sh(t, "rs_up() { ip netns exec rs$1 busybox httpd -p 80 -h /tmp/www; }; rs_up 2")
	if err := os.WriteFile("/etc/ha.d/ocf.cf", []byte(ldHeader+ldHTTP2), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		action string
		want   int
	}{{"monitor", 7}, {"start", 0}, {"monitor", 0}, {"start", 0}, {"stop", 0}, {"monitor", 7}, {"stop", 0}} {
		code, out := ocf(t, st.action)
		if code != st.want {
			t.Fatalf("%s: exit %d, want %d\n%s", st.action, code, st.want, out)
		}
		if st.action == "start" {
			// The agent's stop fallback finds the daemon by command line.
			pg, _ := exec.Command("pgrep", "-f", ldLink(t)+" /etc/ha.d/ocf.cf start").Output()
			if strings.TrimSpace(string(pg)) == "" {
				t.Fatalf("pgrep -f '%s /etc/ha.d/ocf.cf start' finds nothing", ldLink(t))
			}
		}
	}
}

// TestDirectorOCFTester runs resource-agents' ocf-tester.
func TestDirectorOCFTester(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	if err := os.WriteFile("/etc/ha.d/ocf.cf", []byte(ldHeader+"virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\tchecktype=on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ocf-tester", "-n", "ld", "-o", "configfile=/etc/ha.d/ocf.cf", "-o", "ldirectord="+ldLink(t), ocfAgent)
	cmd.Env = append(os.Environ(), "OCF_ROOT=/usr/lib/ocf")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("ocf-tester: %v", err)
	}
}
