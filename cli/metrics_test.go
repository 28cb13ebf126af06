package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

func TestMetricsCommand(t *testing.T) {
	f := ipvstest.NewFake()
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.100"), Port: 80, Scheduler: "rr", Netmask: 0xffffffff}
	if err := f.AddService(&svc); err != nil {
		t.Fatal(err)
	}
	tf := newTestFactory().withIPVS(f)
	if code := tf.run(newCmdMetrics(tf.Factory, nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, tf.errOut.String())
	}
	if !strings.Contains(tf.out.String(), `lvs_service_connections_total{protocol="tcp",service="192.0.2.100:80"} 0`) {
		t.Errorf("stdout:\n%s", tf.out.String())
	}

	path := filepath.Join(t.TempDir(), "lvs.prom")
	tf.out.Reset()
	if code := tf.run(newCmdMetrics(tf.Factory, nil), "-o", path); code != 0 {
		t.Fatalf("exit %d: %s", code, tf.errOut.String())
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "# TYPE lvs_service_connections_total counter") || tf.out.Len() != 0 {
		t.Errorf("-o: %v %q, stdout %q", err, b, tf.out.String())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	if !strings.HasPrefix(string(b), lvsUp(1)) {
		t.Errorf("-o does not start with lvs_up 1:\n%s", b)
	}
}

func lvsUp(v int) string {
	return fmt.Sprintf("# HELP lvs_up Whether the IPVS table could be read (1) or not (0).\n# TYPE lvs_up gauge\nlvs_up %d\n", v)
}

// Without IPVS, or when the table cannot be read, lvs_up 0 alone (no
// half table), on stdout or replacing -o FILE atomically, and exit 1.
func TestMetricsWithoutIPVS(t *testing.T) {
	tf := newTestFactory()
	tf.OpenIPVS = func() (ipvsctl.Client, error) { return nil, errors.New("no IPVS") }
	if code := tf.run(newCmdMetrics(tf.Factory, nil)); code != 1 || tf.out.String() != lvsUp(0) ||
		tf.errOut.String() != "lvsctl metrics: open IPVS: no IPVS (lvs_up 0 written)\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, tf.out.String(), tf.errOut.String())
	}

	// an old file with a table is replaced (a new inode: renamed over)
	dir := t.TempDir()
	path := filepath.Join(dir, "lvs.prom")
	old := lvsUp(1) + "lvs_real_weight{protocol=\"tcp\",service=\"192.0.2.100:80\",real=\"10.0.0.2:80\"} 1\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	tf.out.Reset()
	tf.errOut.Reset()
	if code := tf.run(newCmdMetrics(tf.Factory, nil), "-o", path); code != 1 || tf.out.Len() != 0 {
		t.Errorf("-o: exit %d, stdout %q", code, tf.out.String())
	}
	b, err := os.ReadFile(path)
	after, _ := os.Stat(path)
	if err != nil || string(b) != lvsUp(0) || os.SameFile(before, after) || after.Mode().Perm() != 0o644 {
		t.Errorf("-o: %v, %q, same file %v, mode %v", err, b, os.SameFile(before, after), after.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// a listing that fails half way
	f := ipvstest.NewFake()
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.100"), Port: 80, Scheduler: "rr", Netmask: 0xffffffff}
	if err := f.AddService(&svc); err != nil {
		t.Fatal(err)
	}
	f.FailNext("Destinations", errors.New("netlink: interrupted"))
	tf = newTestFactory().withIPVS(f)
	if code := tf.run(newCmdMetrics(tf.Factory, nil)); code != 1 || tf.out.String() != lvsUp(0) ||
		!strings.HasPrefix(tf.errOut.String(), "lvsctl metrics: metrics: list real servers of ") {
		t.Errorf("failed listing: exit %d, stdout %q, stderr %q", code, tf.out.String(), tf.errOut.String())
	}
}
