package cli

import (
	"bytes"
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
	open := func() (ipvsctl.Client, error) { return f, nil }
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}
	cmd := newCmdMetrics(ios, open)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `lvs_service_connections_total{protocol="tcp",service="192.0.2.100:80"} 0`) {
		t.Errorf("stdout:\n%s", out.String())
	}

	path := filepath.Join(t.TempDir(), "lvs.prom")
	out.Reset()
	cmd = newCmdMetrics(ios, open)
	cmd.SetArgs([]string{"-o", path})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "# TYPE lvs_service_connections_total counter") || out.Len() != 0 {
		t.Errorf("-o: %v %q, stdout %q", err, b, out.String())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	cmd = newCmdMetrics(ios, func() (ipvsctl.Client, error) { return nil, errors.New("no IPVS") })
	cmd.SetArgs(nil)
	if code := ExitCode(cmd.Execute()); code != 2 || !strings.Contains(errb.String(), "lvsctl metrics: open IPVS: no IPVS") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
