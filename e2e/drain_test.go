//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// heldConn is a TCP connection from the client namespace through the VIP
// that stays open, idle, until release; then the client resets it, so its
// entry goes to CLOSE (10 s) rather than TIME_WAIT (2 min).
type heldConn struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

const holdPy = `import socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), 5)
print("up", flush=True)
sys.stdin.readline()
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`

func holdConn(t *testing.T, ns, vip string) *heldConn {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "python3", "-c", holdPy, vip)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &heldConn{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { h.release(t) })
	up := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		up <- strings.TrimSpace(line) == "up"
	}()
	select {
	case ok := <-up:
		if !ok {
			t.Fatal("the client could not connect")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the client did not connect within 20s")
	}
	return h
}

// release lets the client reset its connection and waits for it.
func (h *heldConn) release(t *testing.T) {
	if h.stdin == nil {
		return
	}
	h.stdin.Close()
	h.stdin = nil
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-done
		t.Error("the client did not finish within 20s")
	}
}

var establishedTo = regexp.MustCompile(`ESTABLISHED +192\.0\.2\.10:\d+ +192\.0\.2\.100:80 +(10\.10\.\d\.2:80)`)

// TestDrain: a persistent service, a client holding a connection (and so
// a template) on one real. With a short timeout drain reports what holds
// the real; with a long one it waits for the client to finish, then the
// template to go, and deletes the real.
func TestDrain(t *testing.T) {
	requireLab(t)
	netlab(t, 2)
	lvsctl(t, "-A", "-t", "192.0.2.100:80", "-s", "rr", "-p", "5")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.1.2:80", "-m")
	lvsctl(t, "-a", "-t", "192.0.2.100:80", "-r", "10.10.2.2:80", "-m")
	held := holdConn(t, "client", "192.0.2.100")
	var conns string
	var m []string
	// The client's last ACK may still be on its way when it says "up".
	waitFor(t, 5*time.Second, "the client's connection to be established", func() bool {
		conns, _, _ = run(t, lvsctlBin(t), "-Lcn")
		m = establishedTo.FindStringSubmatch(conns)
		return m != nil
	})
	real, other := m[1], "10.10.1.2:80"
	if real == other {
		other = "10.10.2.2:80"
	}
	sysctl := "/proc/sys/net/ipv4/vs/expire_quiescent_template"
	sh(t, "echo 0 >"+sysctl)

	out, errOut, rc := run(t, lvsctlBin(t), "drain", "-t", "192.0.2.100:80", "-r", real, "--timeout", "3s", "--expire-templates")
	t.Logf("short drain:\n%s%s", out, errOut)
	if rc != 1 {
		t.Fatalf("drain with a held connection: exit %d, want 1", rc)
	}
	for _, want := range []string{"timed out after 3s", "still has 1 active", "1 template",
		"connection TCP 192.0.2.10:", "ESTABLISHED", "template   TCP 192.0.2.10 -> 192.0.2.100:80"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeout report lacks %q", want)
		}
	}
	if v := strings.TrimSpace(sh(t, "cat "+sysctl)); v != "0" {
		t.Errorf("expire_quiescent_template after the timeout: %s", v)
	}
	if ln := sh(t, lvsctlBin(t)+" -Ln"); !regexp.MustCompile(regexp.QuoteMeta(real) + ` +Masq +0 +1 +0`).MatchString(ln) {
		t.Errorf("the real is not left at weight 0 with its connection:\n%s", ln)
	}

	// The long drain: it must still be waiting while the client holds on.
	var dout bytes.Buffer
	drain := exec.Command(lvsctlBin(t), "drain", "-t", "192.0.2.100:80", "-r", real, "--timeout", "150s", "--expire-templates")
	drain.Stdout, drain.Stderr = &dout, &dout
	if err := drain.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- drain.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("drain ended while the client held its connection: %v\n%s", err, dout.String())
	case <-time.After(3 * time.Second):
	}
	if v := strings.TrimSpace(sh(t, "cat "+sysctl)); v != "1" {
		t.Errorf("expire_quiescent_template during the drain: %s", v)
	}
	start := time.Now()
	held.release(t)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("drain: %v\n%s", err, dout.String())
		}
	// The kernel keeps a template up to a minute after its last
	// connection (ip_vs_conn_expire re-arms it with 60 s).
	case <-time.After(160 * time.Second):
		drain.Process.Kill()
		<-done
		t.Fatalf("drain did not finish:\n%s", dout.String())
	}
	t.Logf("drain finished %s after the client:\n%s", time.Since(start).Round(time.Second), dout.String())
	for _, want := range []string{"0 active, 1 inactive", "0 active, 0 inactive, 0 templates", "drained -t 192.0.2.100:80 -r " + real, "deleted"} {
		if !strings.Contains(dout.String(), want) {
			t.Errorf("drain output lacks %q", want)
		}
	}
	ln := sh(t, lvsctlBin(t)+" -Ln")
	if strings.Contains(ln, real) || !strings.Contains(ln, other) {
		t.Errorf("after the drain:\n%s", ln)
	}
	if v := strings.TrimSpace(sh(t, "cat "+sysctl)); v != "0" {
		t.Errorf("expire_quiescent_template after the drain: %s", v)
	}
	if who := fetch(t, 1)[0]; "10.10."+who[2:]+".2:80" != other {
		t.Errorf("a new client went to %s, want %s", who, other)
	}
}

// TestTemplatesListing: -Lc --templates shows the client network after
// -M and the quiesced real that a template still pins; lvsctl metrics
// reads the same live table. Named ipvsadm, --templates is refused.
func TestTemplatesListing(t *testing.T) {
	requireLab(t)
	netlab(t, 2)
	lvsctl(t, "-A", "-t", "192.0.2.100:8080", "-s", "rr", "-p", "120", "-M", "255.255.255.0")
	lvsctl(t, "-a", "-t", "192.0.2.100:8080", "-r", "10.10.1.2:80", "-m")
	lvsctl(t, "-a", "-t", "192.0.2.100:8080", "-r", "10.10.2.2:80", "-m")
	// Port 8080: templates of earlier tests (client 192.0.2.10 to
	// 192.0.2.100:80) outlive their services by up to two minutes.
	var who []string
	for i := 0; i < 2; i++ {
		who = append(who, strings.TrimSpace(sh(t, ". ./netlab.sh; fetch 192.0.2.100:8080")))
	}
	pinned := map[string]string{"rs1": "10.10.1.2:80", "rs2": "10.10.2.2:80"}[who[0]]
	if pinned == "" || who[1] != who[0] {
		t.Fatalf("no persistence: %v", who)
	}
	lvsctl(t, "-e", "-t", "192.0.2.100:8080", "-r", pinned, "-m", "-w", "0")
	out, errOut, rc := run(t, lvsctlBin(t), "-Lcn", "--templates")
	t.Logf("lvsctl -Lcn --templates:\n%s", out)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut)
	}
	row := regexp.MustCompile(regexp.QuoteMeta(pinned) + ` +│ 0 \(quiesced\) +│ -t 192\.0\.2\.100:8080 +│ 192\.0\.2\.0/24 +│ 0[12]:\d\d `)
	if !row.MatchString(out) || strings.Count(out, pinned+" ") != 1 {
		t.Errorf("no row for the template pinning 192.0.2.0/24 to the quiesced %s", pinned)
	}
	_, errOut, rc = run(t, filepath.Join(shimDir(t), "ipvsadm"), "-Lcn", "--templates")
	if rc != 255 || !strings.Contains(errOut, "--templates") {
		t.Errorf("ipvsadm -Lcn --templates: exit %d, %q", rc, errOut)
	}

	metrics, errOut, rc := run(t, lvsctlBin(t), "metrics")
	if rc != 0 {
		t.Fatalf("lvsctl metrics: exit %d: %s", rc, errOut)
	}
	for _, re := range []string{
		`lvs_real_connections_total\{protocol="tcp",service="192\.0\.2\.100:8080",real="` + regexp.QuoteMeta(pinned) + `"\} 2\n`,
		`lvs_real_weight\{protocol="tcp",service="192\.0\.2\.100:8080",real="` + regexp.QuoteMeta(pinned) + `"\} 0\n`,
		`lvs_real_persistent_connections\{[^}]*real="` + regexp.QuoteMeta(pinned) + `"\} 1\n`,
		`lvs_service_bytes_total\{protocol="tcp",service="192\.0\.2\.100:8080",direction="out"\} [1-9]\d*\n`,
	} {
		if !regexp.MustCompile(re).MatchString(metrics) {
			t.Errorf("metrics lack %s:\n%s", re, metrics)
		}
	}
}
