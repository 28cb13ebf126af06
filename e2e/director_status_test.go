//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/cli"
)

func lvsctlStatus(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	out, errOut, code := runIn(t, "", lvsctlBin(t), append([]string{"status"}, args...)...)
	return code, out, errOut
}

const statusLabConf = `quiescent=yes
virtual=192.168.100.1:80
	real=10.0.2.2:80 gate 2
	real=10.0.3.2:80 gate 3
	service=http
	request="/index.html"
	receive="ok"
	fallback=127.0.0.1:80 gate
`

// TestDirectorStatusCommand: lvsctl status shows the running daemon's
// view (one real up, one refused and quiesced) as JSON and as a table,
// the weights it reports are the kernel's, and the exit statuses for
// not root (4), a dead daemon's pid file (1) and no daemon (3).
func TestDirectorStatusCommand(t *testing.T) {
	requireLab(t)
	resetKernel(t)
	ldCleanup()
	defer ldCleanup()
	ldBackends(t)
	sh(t, "ip netns exec rs2 busybox httpd -p 80 -h /tmp/www")
	const cfg = "/etc/ha.d/status.cf"
	if err := os.WriteFile(cfg, []byte(ldHeader+statusLabConf), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cfg)

	if code, out, errOut := lvsctlStatus(t, "status.cf"); code != 3 || out != "" ||
		errOut != "lvsctl status: no director running for status.cf (no pid file /var/run/ldirectord.status.cf.pid)\n" {
		t.Errorf("before start: exit %d, %q, %q", code, out, errOut)
	}
	// --metrics-listen reaches the daemon without changing its command
	// line (the OCF agent's pgrep -f).
	if out, err := exec.Command(ldLink(t), "--metrics-listen", "127.0.0.1:9798", cfg, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	waitTable(t, "10.0.2.2 up, 10.0.3.2 quiesced", 15*time.Second, func() bool {
		tab := ipvsTable()
		return strings.Contains(tab, "-r 10.0.2.2:80 -g -w 2\n") && strings.Contains(tab, "-r 10.0.3.2:80 -g -w 0\n")
	})

	var doc cli.JSONStatus
	waitTable(t, "both reals checked", 15*time.Second, func() bool {
		code, out, errOut := lvsctlStatus(t, "--json")
		if code != 0 {
			t.Fatalf("status --json: exit %d, %q", code, errOut)
		}
		doc = cli.JSONStatus{}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
		if len(doc.Directors) != 1 || len(doc.Directors[0].Virtuals) != 1 {
			t.Fatalf("%s", out)
		}
		for _, r := range doc.Directors[0].Virtuals[0].Reals {
			if r.LastCheck == nil || r.State == "down" && r.Failures < 1 {
				return false
			}
		}
		return true
	})
	d := doc.Directors[0]
	pid := livePid("/run/ldirectord.status.cf.pid")
	if d.Config != cfg || d.PID != pid || pid == 0 {
		t.Errorf("director %s pid %d, want %s pid %d", d.Config, d.PID, cfg, pid)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if got, want := string(cmdline), ldLink(t)+"\x00"+cfg+"\x00start\x00"; got != want {
		t.Errorf("daemon command line %q, want %q", got, want)
	}
	resp, err := http.Get("http://127.0.0.1:9798/metrics")
	if err != nil {
		t.Fatalf("daemon metrics: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `lvs_check_up{`) {
		t.Errorf("daemon metrics lack lvs_check_up:\n%s", body)
	}
	v := d.Virtuals[0]
	if v.Name != "192.168.100.1:80" || *v.Address != "192.168.100.1" || v.Scheduler != "wrr" || len(v.Reals) != 2 {
		t.Fatalf("virtual %+v", v)
	}
	// The fallback comes in only when every real is down.
	if v.Fallback == nil || v.Fallback.Address != "127.0.0.1" || v.Fallback.Active {
		t.Errorf("fallback %+v", v.Fallback)
	}
	up, down := v.Reals[0], v.Reals[1]
	if up.Address != "10.0.2.2" || up.State != "up" || up.Weight != 2 || up.KernelWeight == nil || *up.KernelWeight != 2 ||
		up.Failures != 0 || up.LatencySeconds == nil || *up.LatencySeconds <= 0 || up.Timeout {
		t.Errorf("up real %+v", up)
	}
	if down.Address != "10.0.3.2" || down.State != "down" || down.Weight != 3 || down.KernelWeight == nil || *down.KernelWeight != 0 ||
		down.Failures < 1 || down.Reason == nil || *down.Reason == "" {
		t.Errorf("down real %+v", down)
	}
	t.Logf("reasons: up %v, down %v", deref(up.Reason), deref(down.Reason))

	code, out, errOut := lvsctlStatus(t)
	if code != 0 || errOut != "" {
		t.Fatalf("status: exit %d, %q", code, errOut)
	}
	t.Logf("lvsctl status:\n%s", out)
	for _, want := range []string{
		"Director for " + cfg + ", pid ",
		"│ tcp 192.168.100.1:80 │ 10.0.2.2:80  │ gate     │ up      │ 2      │ 2      │ 0     │",
		"│ tcp 192.168.100.1:80 │ 10.0.3.2:80  │ gate     │ down    │ 3      │ 0      │",
		"│ tcp 192.168.100.1:80 │ 127.0.0.1:80 │ fallback │ standby │ 1      │ -      │ -     │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}

	// The socket is root's.
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", lvsctlBin(t), "status", "status.cf")
	var nbOut, nbErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &nbOut, &nbErr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 || nbOut.Len() != 0 || !strings.Contains(nbErr.String(), "(the socket is root's)") {
		t.Errorf("as nobody: %v, %q, %q", err, nbOut.String(), nbErr.String())
	}

	// A daemon that died leaves its pid file: 1, as ldirectord's status.
	syscall.Kill(pid, syscall.SIGKILL)
	waitTable(t, "daemon killed", 10*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
	if code, out, errOut := lvsctlStatus(t, "--json"); code != 1 || out != "" ||
		errOut != "lvsctl status: stale pid file /var/run/ldirectord.status.cf.pid: no director running for status.cf\n" {
		t.Errorf("dead daemon: exit %d, %q, %q", code, out, errOut)
	}
	os.Remove("/run/ldirectord.status.cf.pid")
	if code, _, errOut := lvsctlStatus(t); code != 3 || errOut != "lvsctl status: no director running (no pid file /var/run/ldirectord.*.pid)\n" {
		t.Errorf("no daemon: exit %d, %q", code, errOut)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
