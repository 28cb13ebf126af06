//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/netlink"
)

// The fault tests (faults_*_test.go) run lvsctl's ldirectord daemon in
// the lab's root namespace against real servers that are listeners of
// the test itself on 127.x addresses (connect checks), so that a test
// turns hundreds of reals up and down at once, and break things from
// outside: Debian's ipvsadm, kill -9, signals, kernel refusals.

// farmPort is the port of every real server of the fault tests.
const farmPort = 18080

// farm is a set of real servers: one listener per address, accepting and
// closing; a real is down while its listener is closed (the connect
// check gets a reset). It counts the connections each address accepted:
// a test measures time in the daemon's checks, which stretch with the
// host's load as its deadlines do.
type farm struct {
	t        *testing.T
	mu       sync.Mutex
	ls       map[string]net.Listener
	accepted map[string]*atomic.Int64
}

func newFarm(t *testing.T) *farm {
	f := &farm{t: t, ls: map[string]net.Listener{}, accepted: map[string]*atomic.Int64{}}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, l := range f.ls {
			l.Close()
		}
	})
	return f
}

// up opens the listeners of addrs (those not open yet).
func (f *farm) up(addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range addrs {
		if f.ls[a] != nil {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(farmPort)))
		if err != nil {
			f.t.Fatalf("listen %s: %v", a, err)
		}
		f.ls[a] = l
		n := f.accepted[a]
		if n == nil {
			n = new(atomic.Int64)
			f.accepted[a] = n
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				c.Close()
			}
		}()
	}
}

// down closes the listeners of addrs.
func (f *farm) down(addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range addrs {
		if l := f.ls[a]; l != nil {
			l.Close()
			delete(f.ls, a)
		}
	}
}

// accepts is how many connections each of addrs has accepted so far.
func (f *farm) accepts(addrs []string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int64, len(addrs))
	for i, a := range addrs {
		if n := f.accepted[a]; n != nil {
			out[i] = n.Load()
		}
	}
	return out
}

// farmReals are n addresses 127.1.X.Y for real servers.
func farmReals(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("127.1.%d.%d", i/250, i%250+1)
	}
	return out
}

// faultDaemon is one lvsctl ldirectord of a fault test: its configuration
// /etc/ha.d/NAME, its log /var/log/NAME.log, its pid file.
type faultDaemon struct {
	t       *testing.T
	name    string
	cfg     string
	log     string
	pidFile string
	ld      string
	metrics string // --metrics-listen address, "" none
}

// newFaultDaemon writes the configuration (body after a logfile line);
// the test's end stops whatever daemon is left and clears the table.
func newFaultDaemon(t *testing.T, name, body string) *faultDaemon {
	t.Helper()
	requireLab(t)
	resetKernel(t)
	d := &faultDaemon{t: t, name: name, cfg: "/etc/ha.d/" + name, log: "/var/log/" + name + ".log",
		pidFile: "/run/ldirectord." + name + ".pid", ld: ldLink(t)}
	os.Remove(d.log)
	d.write(body)
	t.Cleanup(func() {
		if pid := livePid(d.pidFile); pid != 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		exec.Command("pkill", "-9", "-f", "ldirectord "+d.cfg+" start$").Run()
		time.Sleep(200 * time.Millisecond)
		if t.Failed() {
			t.Logf("daemon log (last lines):\n%s", tail(d.logText(), 60))
		}
		os.Remove(d.cfg)
		exec.Command("bash", "-c", "rm -f /run/ldirectord."+name+".*").Run()
		resetKernel(t)
	})
	return d
}

// write replaces the configuration (by rename, as editors do).
func (d *faultDaemon) write(body string) {
	d.t.Helper()
	text := fmt.Sprintf("logfile=\"%s\"\n%s", d.log, body)
	if err := os.WriteFile(d.cfg+".new", []byte(text), 0o644); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Rename(d.cfg+".new", d.cfg); err != nil {
		d.t.Fatal(err)
	}
}

// run runs `ldirectord [--metrics-listen A] CFG args...`.
func (d *faultDaemon) run(args ...string) (string, string, int) {
	d.t.Helper()
	argv := []string{}
	if d.metrics != "" && len(args) > 0 && args[len(args)-1] == "start" {
		argv = append(argv, "--metrics-listen", d.metrics)
	}
	argv = append(argv, d.cfg)
	return runIn(d.t, "", d.ld, append(argv, args...)...)
}

// start starts the daemon; it must succeed.
func (d *faultDaemon) start() int {
	d.t.Helper()
	if out, errOut, code := d.run("start"); code != 0 {
		d.t.Fatalf("start: exit %d\n%s%s", code, out, errOut)
	}
	pid := livePid(d.pidFile)
	if pid == 0 {
		d.t.Fatal("start: no daemon in the pid file")
	}
	return pid
}

func (d *faultDaemon) logText() string {
	b, _ := os.ReadFile(d.log)
	return string(b)
}

// logLines are the log's messages, without their "[date|cfg|pid] ".
func (d *faultDaemon) logLines() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(d.logText()))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if _, msg, ok := strings.Cut(l, "] "); ok {
			l = msg
		}
		out = append(out, l)
	}
	return out
}

// count is how many log lines are exactly msg.
func (d *faultDaemon) count(msg string) int {
	n := 0
	for _, l := range d.logLines() {
		if l == msg {
			n++
		}
	}
	return n
}

// waitLog waits until the log has msg as a line.
func (d *faultDaemon) waitLog(msg string, limit time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for d.count(msg) == 0 {
		if time.Now().After(deadline) {
			d.t.Fatalf("%q not logged within %s; log:\n%s", msg, limit, tail(d.logText(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metric reads one unlabelled sample of the daemon's metrics.
func (d *faultDaemon) metric(name string) float64 {
	d.t.Helper()
	resp, err := http.Get("http://" + d.metrics + "/metrics")
	if err != nil {
		d.t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				d.t.Fatalf("metric %s: %q", name, l)
			}
			return f
		}
	}
	d.t.Fatalf("no metric %s in:\n%s", name, body)
	return 0
}

// kernel reads the table over netlink, for polling it often.
type kernel struct {
	t *testing.T
	c *netlink.Client
}

func openKernel(t *testing.T) *kernel {
	t.Helper()
	c, err := netlink.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &kernel{t: t, c: c}
}

// weights maps "VIP RIP:PORT" to the weight in the kernel, for every
// destination of every service.
func (k *kernel) weights() map[string]int32 {
	k.t.Helper()
	svcs, err := k.c.Services()
	if err != nil {
		k.t.Fatalf("services: %v", err)
	}
	out := map[string]int32{}
	for i := range svcs {
		ds, err := k.c.Destinations(&svcs[i])
		if err != nil {
			continue // deleted between the two reads
		}
		for _, d := range ds {
			out[weightKey(&svcs[i], &d)] = d.Weight
		}
	}
	return out
}

func weightKey(s *ipvsctl.Service, d *ipvsctl.Destination) string {
	return fmt.Sprintf("%s:%d %s:%d", s.Address, s.Port, d.Address, d.Port)
}

// vipReal is the weights key of a farm real under VIP 192.168.100.V.
func vipReal(v int, addr string) string {
	return fmt.Sprintf("192.168.100.%d:%d %s:%d", v, farmPort, addr, farmPort)
}

// farmConfig is a configuration of virtuals 192.168.100.1.. (on the
// farm's port: the kernel gives gate reals the virtual's port) with the
// farm's reals split among them, gate, weight w, connect checks.
func farmConfig(header string, virtuals int, reals []string, w int) string {
	var b strings.Builder
	b.WriteString(header)
	per := (len(reals) + virtuals - 1) / virtuals
	for v := range virtuals {
		fmt.Fprintf(&b, "\nvirtual=192.168.100.%d:%d\n\tchecktype=connect\n", v+1, farmPort)
		for _, a := range reals[v*per : min((v+1)*per, len(reals))] {
			fmt.Fprintf(&b, "\treal=%s:%d gate %d\n", a, farmPort, w)
		}
	}
	return b.String()
}

// virtualOf is the virtual number farmConfig gives real i of n.
func virtualOf(i, n, virtuals int) int {
	per := (n + virtuals - 1) / virtuals
	return i/per + 1
}

func ensureDir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
}
