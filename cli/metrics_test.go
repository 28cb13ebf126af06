package cli

import (
	"errors"
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

	tf.OpenIPVS = func() (ipvsctl.Client, error) { return nil, errors.New("no IPVS") }
	if code := tf.run(newCmdMetrics(tf.Factory, nil)); code != 2 || tf.errOut.String() != "lvsctl metrics: open IPVS: no IPVS\n" {
		t.Errorf("exit %d, stderr %q", code, tf.errOut.String())
	}
}
