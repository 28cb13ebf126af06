package ldconf

import (
	"context"
	"testing"
)

func TestInetAton(t *testing.T) {
	ok := map[string]string{
		"1.2.3.4": "1.2.3.4", "1.2.3": "1.2.0.3", "1.2": "1.0.0.2", "16909060": "1.2.3.4",
		"010.0.0.1": "8.0.0.1", "0x7f.1": "127.0.0.1", "255.255.255.255": "255.255.255.255",
	}
	for in, want := range ok {
		a, good := inetAton(in)
		if !good || a.String() != want {
			t.Errorf("inetAton(%q) = %v %v, want %s", in, a, good, want)
		}
	}
	for _, in := range []string{"", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "08.1.1.1", "a.b.c.d", "1..2", "1.2.3.4 ", "-1.2.3.4", "host"} {
		if a, good := inetAton(in); good {
			t.Errorf("inetAton(%q) = %v, want failure", in, a)
		}
	}
}

func TestServicesLookup(t *testing.T) {
	data := []byte("# c\nhttp\t80/tcp\twww # web\ndomain 53/tcp\ndomain 53/udp\nsyslog 514/udp\n")
	cases := []struct {
		name, proto string
		port        int
		ok          bool
	}{
		{"http", "tcp", 80, true}, {"www", "tcp", 80, true}, {"http", "udp", 0, false},
		{"HTTP", "tcp", 0, false}, {"domain", "udp", 53, true}, {"syslog", "", 514, true},
		{"nothere", "", 0, false},
	}
	for _, c := range cases {
		p, ok := servicesLookup(data, c.name, c.proto)
		if p != c.port || ok != c.ok {
			t.Errorf("%s/%s = %d %v, want %d %v", c.name, c.proto, p, ok, c.port, c.ok)
		}
	}
}

func TestSystemResolverNumeric(t *testing.T) {
	// Numeric addresses never reach /etc/hosts or DNS.
	r := SystemResolver{ServicesFile: corpusDir + "/services"}
	if a, err := r.LookupHost(context.Background(), "10.1", IPv4); err != nil || a.String() != "10.0.0.1" {
		t.Errorf("10.1 → %v %v", a, err)
	}
	if a, err := r.LookupHost(context.Background(), "2001:db8::1", IPv6); err != nil || a.String() != "2001:db8::1" {
		t.Errorf("v6 → %v %v", a, err)
	}
	if p, err := r.LookupPort(context.Background(), "https", "udp"); err != nil || p != 443 {
		t.Errorf("https/udp → %d %v", p, err)
	}
}
