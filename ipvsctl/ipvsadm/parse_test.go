package ipvsadm

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

func parse(t *testing.T, line string) (*Command, error) {
	t.Helper()
	return Parse("ipvsadm", strings.Fields(line), testResolver{})
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		line string
		code int
		msg  string
	}{
		{"-nL", 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information."},
		{"extra-word", 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information."},
		{"--add-ser -t 1.2.3.4:80", 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information."},
		{"-A -D", 2, "invalid option `-D'"},
		{"-LC", 2, "invalid option `-LC'"},
		{"-A -t 1.2.3.4:80 --stop-daemon master", 2, "invalid option `master'"},
		{"-A -t 1.2.3.4:80 -s rr -s wrr", 2, "multiple 'scheduler' options specified"},
		{"-A -t 1.2.3.4:80 -f 1", 2, "multiple 'service-address' options specified"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -g -m", 2, "multiple 'forwarding-method' options specified"},
		{"-A -t 1.2.3.4:80 -n", 2, "Illegal 'numeric' option with the 'add-service' command"},
		{"-S -t 1.2.3.4:80", 2, "Illegal 'service-address' option with the 'save' command"},
		{"-A -s rr", 2, "You need to supply the 'service-address' option for the 'add-service' command"},
		{"-e -t 1.2.3.4:80", 2, "You need to supply the 'real-server' option for the 'edit-server' command"},
		{"-A -t 1.2.3.4:80 -6", 2, "-6 used before -f\n"},
		{"-A -t 1.2.3.4:80 -p 0", 2, "invalid timeout value `0' specified"},
		{"-A -t 1.2.3.4:80 -p 2678401", 2, "invalid timeout value `2678401' specified"},
		{"-A -t 1.2.3.4", 2, "Zero port specified for non-persistent service"},
		{"-A -t 2001:db8::1:80", 2, "Zero port specified for non-persistent service"},
		{"-A -t [2001:db8::1] -p", 2, "illegal virtual server address[:port] specified"},
		{"-A -t 1.2.3.4:65536", 2, "illegal virtual server address[:port] specified"},
		{"-A -t 1.2.3.4:0x50", 2, "illegal virtual server address[:port] specified"},
		{"-A -t 80", 2, "illegal virtual server address[:port] specified"},
		{"-A -f 0", 2, "invalid fwmark value `0' specified"},
		{"-A -f 4294967296", 2, "invalid fwmark value `4294967296' specified"},
		{"-A -t 1.2.3.4:80 -o", 2, "One-Packet Scheduling is only for UDP virtual services"},
		{"-A -t 1.2.3.4:80 -b sh-port", 2, "incompatible scheduler flag `sh-port'"},
		{"-A -t 1.2.3.4:80 -b bogus", 2, "invalid scheduler flag `bogus'"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -b sh-port", 2, "incompatible scheduler flag `sh-port'"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -w 2147483648", 2, "illegal weight specified"},
		{"-A -f 1 -6 -p -M 129", 2, "illegal ipv6 netmask specified"},
		{"-A -t 1.2.3.4:80 -p -M bogus", 2, "illegal virtual server persistent mask specified"},
		{"-a -t [2001:db8::1]:80 -r 10.0.0.2 -m", 2, "Different address family is allowed only for tunneling servers"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -i --tun-type gue", 2, "You need to supply the 'tun-port' option for the 'gue' tunnel type"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -i --tun-type gre --tun-remcsum", 2, "Illegal 'tun-remcsum' option with the 'gre' tunnel type"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -m --tun-type gre", 2, "Tunnel options conflict with forward method"},
		{"-a -t 1.2.3.4:80 -r 10.0.0.2 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum", 2, "The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type"},
		{"-L -c -t 1.2.3.4:80", 2, "The option 'service-address' conflicts with the 'connection' option in the 'list' command"},
		{"--set 1 2", 2, "--set option requires 3 timeout values"},
		{"--set 1 2 3 4", 2, "unexpected argument 4"},
		{"-L junk", 2, "unexpected argument junk"},
		{"--start-daemon foo", 2, "illegal start-daemon parameter specified"},
		{"--stop-daemon foo", 2, "illegal start_daemon specified"},
		{"--start-daemon master --mcast-group 10.1.1.1", 2, "invalid IPv4 mcast-group `10.1.1.1'"},
		{"--start-daemon master --syncid 256", 2, "illegal syncid specified"},
		{"--start-daemon master --sync-maxlen 65508", 2, "illegal sync-maxlen specified"},
	}
	for _, c := range cases {
		_, err := parse(t, c.line)
		var ee *ExitError
		if !errors.As(err, &ee) {
			t.Errorf("%q: got %v, want exit %d", c.line, err, c.code)
			continue
		}
		if ee.Code != c.code || ee.Msg != c.msg+"\n" {
			t.Errorf("%q: got %d %q, want %d %q", c.line, ee.Code, ee.Msg, c.code, c.msg+"\n")
		}
	}
}

func TestParsePoptErrorsReturn(t *testing.T) {
	for line, want := range map[string]string{
		"-L --bogus":                 "--bogus: unknown option\n",
		"-Lnq":                       "-Lnq: unknown option\n",
		"-A -t 1.2.3.4:80 -p -1":     "-1: unknown option\n",
		"-A -t 1.2.3.4:80 -s":        "-s: missing argument\n",
		"-L --numeric=yes":           "--numeric=yes: option does not take an argument\n",
		"--set 900 -1 300":           "-1: unknown option\n",
		"-a -t 1.2.3.4:80 -r 1.1 -w": "-w: missing argument\n",
	} {
		_, err := parse(t, line)
		var re *ReturnError
		if !errors.As(err, &re) || re.Msg != want {
			t.Errorf("%q: got %v, want return error %q", line, err, want)
		}
	}
}

func TestParseServices(t *testing.T) {
	c, err := parse(t, "-A -t192.0.2.1:www -p -srr -M 255.255.255.0")
	if err != nil {
		t.Fatal(err)
	}
	want := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.1"), Port: 80,
		Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 360, Netmask: 0xffffff00}
	if !c.Svc.Equal(&want) {
		t.Errorf("got %+v, want %+v", c.Svc, want)
	}

	for line, addr := range map[string]string{
		"-A -t 1.2.3:80":      "1.2.0.3",
		"-A -t 010.0.0.1:80":  "8.0.0.1",
		"-A -t 0x0a000001:80": "10.0.0.1",
		"-A -t 10:80":         "0.0.0.10",
		"-A -t web1:http":     "10.0.0.2",
	} {
		c, err := parse(t, line)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if c.Svc.Address != netip.MustParseAddr(addr) || c.Svc.Port != 80 {
			t.Errorf("%q: got %v:%d, want %s:80", line, c.Svc.Address, c.Svc.Port, addr)
		}
	}
}

func TestParsePersistentOptionalValue(t *testing.T) {
	for line, want := range map[string]uint32{
		"-A -t 1.2.3.4:80 -p":             360,
		"-A -t 1.2.3.4:80 -p -s rr":       360,
		"-A -t 1.2.3.4:80 -p100":          100,
		"-A -t 1.2.3.4:80 -p 200":         200,
		"-A -t 1.2.3.4:80 --persistent=7": 7,
	} {
		c, err := parse(t, line)
		if err != nil || c.Svc.Timeout != want {
			t.Errorf("%q: got %v %v, want timeout %d", line, c, err, want)
		}
	}
}

func TestParseRealServerPorts(t *testing.T) {
	cases := map[string]uint16{
		"-a -t 1.2.3.4:80 -r 10.0.0.2:8080 -g": 80,
		"-a -t 1.2.3.4:80 -r 10.0.0.2:8080 -i": 80,
		"-a -t 1.2.3.4:80 -r 10.0.0.2:8080 -m": 8080,
		"-a -t 1.2.3.4:80 -r 10.0.0.2 -m":      80,
		"-a -f 1 -r 10.0.0.2:8080 -g":          8080,
		"-a -r 10.0.0.2 -t 1.2.3.4:80 -m":      0, // ipvsadm reads options in order
	}
	for line, port := range cases {
		c, err := parse(t, line)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if c.Dest.Port != port {
			t.Errorf("%q: port %d, want %d", line, c.Dest.Port, port)
		}
	}
}

func TestParseSchedFlags(t *testing.T) {
	c, err := parse(t, "-A -t 1.2.3.4:80 -s sh -b sh-port,sh-fallback,")
	if err != nil {
		t.Fatal(err)
	}
	if c.Svc.Flags != ipvsctl.SvcFlagSchedFlag1|ipvsctl.SvcFlagSchedFlag2 {
		t.Errorf("flags %#x", c.Svc.Flags)
	}
	if got := strings.Join(c.Svc.SchedFlagNames(), ","); got != "sh-fallback,sh-port" {
		t.Errorf("display %q", got)
	}
}

func TestRestoreFields(t *testing.T) {
	got := restoreFields("  ipvsadm -A\t-t 1.2.3.4:80 ipvsadm \r")
	want := []string{"-A", "-t", "1.2.3.4:80"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
	if restoreFields("ipvsadm") != nil {
		t.Error("a lone ipvsadm word must be a no-op line")
	}
}

func TestInetAton(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4": "1.2.3.4", "1.2.3": "1.2.0.3", "1.2": "1.0.0.2", "16909060": "1.2.3.4",
		"0x7f.1": "127.0.0.1", "0377.0.0.1": "255.0.0.1", "1.2.3.4 junk": "1.2.3.4",
	} {
		v, ok := inetAton(in)
		if !ok || ipv4String(v) != want {
			t.Errorf("inetAton(%q) = %s %v, want %s", in, ipv4String(v), ok, want)
		}
	}
	for _, in := range []string{"", "1.2.3.256", "1.2.3.4.5", "a.b.c.d", "1..2", "08.1.1.1"} {
		if _, ok := inetAton(in); ok {
			t.Errorf("inetAton(%q) accepted", in)
		}
	}
}

func TestInetNtop(t *testing.T) {
	for in, want := range map[string]string{
		"::1": "::1", "::": "::", "::1.2.3.4": "::1.2.3.4", "::ffff:1.2.3.4": "::ffff:1.2.3.4",
		"2001:db8::1": "2001:db8::1", "2001:db8:0:1::1": "2001:db8:0:1::1", "::100": "::100",
	} {
		if got := inetNtop(netip.MustParseAddr(in)); got != want {
			t.Errorf("inetNtop(%s) = %s, want %s", in, got, want)
		}
	}
}
