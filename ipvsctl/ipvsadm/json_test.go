package ipvsadm_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// lvsctlRun is ipvsadm's grammar with lvsctl's extensions, as the CLI runs
// it when invoked as lvsctl.
func lvsctlRun(f *ipvstest.Fake, stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	r := &ipvsadm.Runner{Prog: "lvsctl", Client: f, Res: nameless{}, Stdin: strings.NewReader(stdin),
		Stdout: bufio.NewWriter(&out), Stderr: &errb, Extensions: true,
		ConnFile: "../../testdata/ipvsconn/udp4-pe.conn"}
	rc := r.Main(args)
	return out.String(), errb.String(), rc
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields() // the schema types are the whole document
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, s)
	}
	return v
}

func jsonTable(t *testing.T) *ipvstest.Fake {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -t 192.0.2.1:80 -s wrr -p 600 -M 255.255.255.0")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 7 -x 100 -y 10")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.2 -g")
	mustRun(t, f, "-A -f 7 -s sh -b sh-port")
	mustRun(t, f, "-A -u [2001:db8::1]:53 -s rr -o")
	mustRun(t, f, "-a -u [2001:db8::1]:53 -r 192.0.2.9 -i --tun-type gue --tun-port 6080 --tun-csum")
	return f
}

func TestJSONListing(t *testing.T) {
	f := jsonTable(t)
	for _, args := range [][]string{
		{"-L", "--json"}, {"-Ln", "--json"}, {"--json", "-L"}, {"-L", "-n", "--stats", "--json"},
		{"-L", "--rate", "--json"}, {"-L", "--thresholds", "--json"}, {"-L", "--persistent-conn", "--json"},
		{"-L", "--tun-info", "--json", "--exact"},
	} {
		out, errs, rc := lvsctlRun(f, "", args...)
		if rc != 0 || errs != "" {
			t.Fatalf("%v: rc %d %q", args, rc, errs)
		}
		doc := decode[ipvsadm.JSONServices](t, out)
		if doc.SchemaVersion != 1 || doc.IPVS.Version != "1.2.1" || doc.IPVS.ConnTabSize != 4096 || len(doc.Services) != 3 {
			t.Fatalf("%v: %+v", args, doc)
		}
		s := doc.Services[0]
		if *s.Protocol != "tcp" || *s.Address != "192.0.2.1" || s.Port != 80 || s.FWMark != 0 || s.Scheduler != "wrr" ||
			!s.Persistent || s.PersistenceTimeout != 600 || s.Netmask != "255.255.255.0" || *s.PrefixLength != 24 ||
			s.PE != nil || s.OnePacket || len(s.SchedFlags) != 0 {
			t.Errorf("%v: service %+v", args, s)
		}
		if len(s.Destinations) != 2 {
			t.Fatalf("destinations %+v", s.Destinations)
		}
		d0, d1 := s.Destinations[0], s.Destinations[1]
		if d0.Address != "10.0.0.2" || d0.Port != 80 || d0.Forward != "route" || d0.Weight != 1 || d0.Tunnel != nil {
			t.Errorf("first destination %+v", d0)
		}
		if d1.Address != "10.0.0.3" || d1.Forward != "masq" || d1.Weight != 7 || d1.UpperThreshold != 100 || d1.LowerThreshold != 10 {
			t.Errorf("second destination %+v", d1)
		}
		v6 := doc.Services[1]
		if v6.Family != "inet6" || *v6.Address != "2001:db8::1" || *v6.Protocol != "udp" || !v6.OnePacket ||
			*v6.PrefixLength != 128 || v6.Netmask != "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" {
			t.Errorf("IPv6 service %+v", v6)
		}
		tun := v6.Destinations[0]
		if tun.Family != "inet" || tun.Forward != "tunnel" || tun.Tunnel == nil || tun.Tunnel.Type != "gue" ||
			*tun.Tunnel.Port != 6080 || *tun.Tunnel.Csum != "csum" {
			t.Errorf("tunnel destination %+v %+v", tun, tun.Tunnel)
		}
		fw := doc.Services[2]
		if fw.FWMark != 7 || fw.Protocol != nil || fw.Address != nil || fw.Port != 0 || strings.Join(fw.SchedFlags, ",") != "sh-port" ||
			fw.Destinations == nil {
			t.Errorf("fwmark service %+v", fw)
		}
	}
	// numbers are JSON numbers, absent things null, every field present
	out, _, _ := lvsctlRun(f, "", "-Ln", "--json")
	var raw struct {
		Services []map[string]any `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	fw := raw.Services[2]
	if _, ok := fw["port"].(float64); !ok || fw["address"] != nil || fw["protocol"] != nil {
		t.Errorf("fwmark service raw %v", fw)
	}
	if _, present := fw["pe"]; !present {
		t.Errorf("pe missing: %v", fw)
	}
}

func TestJSONOneServiceTimeoutsDaemonsConnections(t *testing.T) {
	f := jsonTable(t)
	out, _, rc := lvsctlRun(f, "", "-L", "-t", "192.0.2.1:80", "--json")
	if doc := decode[ipvsadm.JSONServices](t, out); rc != 0 || len(doc.Services) != 1 || *doc.Services[0].Address != "192.0.2.1" {
		t.Errorf("one service: rc %d %s", rc, out)
	}
	_, errs, rc := lvsctlRun(f, "", "-L", "-t", "192.0.2.99:80", "--json")
	if errs != "No such service\n" || rc != 1 {
		t.Errorf("missing service: %q %d", errs, rc)
	}
	out, _, _ = lvsctlRun(f, "", "-L", "--timeout", "--json")
	if doc := decode[ipvsadm.JSONTimeouts](t, out); doc.Timeouts.TCP != 900 || doc.Timeouts.TCPFin != 120 || doc.Timeouts.UDP != 300 {
		t.Errorf("timeouts %s", out)
	}
	out, _, _ = lvsctlRun(f, "", "-L", "--daemon", "--json")
	if doc := decode[ipvsadm.JSONDaemons](t, out); doc.Daemons == nil || len(doc.Daemons) != 0 {
		t.Errorf("no daemons %s", out)
	}
	mustRun(t, f, "--start-daemon master --mcast-interface eth1 --syncid 9 --mcast-group 239.1.2.3")
	out, _, _ = lvsctlRun(f, "", "-L", "--daemon", "--json")
	doc := decode[ipvsadm.JSONDaemons](t, out)
	if len(doc.Daemons) != 1 || doc.Daemons[0].State != "master" || doc.Daemons[0].McastInterface != "eth1" ||
		doc.Daemons[0].SyncID != 9 || *doc.Daemons[0].McastGroup != "239.1.2.3" {
		t.Errorf("daemon %s", out)
	}
	out, _, rc = lvsctlRun(f, "", "-Lcn", "--json")
	conns := decode[ipvsadm.JSONConnections](t, out)
	if rc != 0 || len(conns.Connections) != 4 {
		t.Fatalf("connections rc %d %s", rc, out)
	}
	c0, c3 := conns.Connections[0], conns.Connections[3]
	if c0.Protocol != "udp" || c0.ClientAddress != "192.0.2.10" || c0.ClientPort != 40000 || c0.VirtualAddress != "192.0.2.100" ||
		c0.VirtualPort != 53 || c0.DestinationAddress != "10.10.1.2" || c0.Expires != 299 || c0.Template || c0.PEName != nil {
		t.Errorf("first connection %+v", c0)
	}
	if !c3.Template || c3.State != "NONE" || *c3.PEName != "sip" || *c3.PEData != "616c696365" {
		t.Errorf("template with PE %+v", c3)
	}
	// the text listing's conflicts still apply
	_, errs, rc = lvsctlRun(f, "", "-Lc", "--stats", "--json")
	if errs != "options conflicts in the list command\n" || rc != 2 {
		t.Errorf("conflict: %q %d", errs, rc)
	}
}

func TestExtensionsOnlyAsLvsctl(t *testing.T) {
	f := jsonTable(t)
	for _, tc := range []struct {
		args       []string
		errs       string
		rc         int
		extensions bool
	}{
		{[]string{"-L", "--json"}, "--json: unknown option\n", 255, false},
		{[]string{"-Ln", "--json"}, "--json: unknown option\n", 255, false},
		{[]string{"--json", "-L"}, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n", 255, false},
		{[]string{"-R", "--atomic"}, "--atomic: unknown option\n", 255, false},
		{[]string{"-A", "-t", "192.0.2.5:80", "--json"}, "Illegal 'json' option with the 'add-service' command\n", 2, true},
		{[]string{"-L", "--atomic"}, "Illegal 'atomic' option with the 'list' command\n", 2, true},
		{[]string{"-S", "--json"}, "Illegal 'json' option with the 'save' command\n", 2, true},
	} {
		var errs string
		var rc int
		if tc.extensions {
			_, errs, rc = lvsctlRun(f, "", tc.args...)
		} else {
			_, errs, rc = runIpvsadm(f, "", tc.args...)
		}
		if errs != tc.errs || rc != tc.rc {
			t.Errorf("%v (extensions %v): %q %d, want %q %d", tc.args, tc.extensions, errs, rc, tc.errs, tc.rc)
		}
	}
	if len(f.Calls()) != 6 { // jsonTable's writes only
		t.Errorf("refused commands wrote: %q", f.Calls())
	}
	// ipvsadm's plain text is unchanged under lvsctl
	a, _, _ := runIpvsadm(f, "", "-Ln", "--stats")
	b, _, _ := lvsctlRun(f, "", "-Ln", "--stats")
	if a != b {
		t.Errorf("lvsctl -Ln --stats differs from ipvsadm:\n%s\n%s", a, b)
	}
}
