package ipvsadm

import (
	"net/netip"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// testResolver is a hermetic stand-in for the C library's name lookups.
type testResolver struct{}

var testHosts = map[string]netip.Addr{
	"localhost": netip.MustParseAddr("127.0.0.1"),
	"web1":      netip.MustParseAddr("10.0.0.2"),
}

var testServices = map[string]uint16{"http": 80, "www": 80, "https": 443, "domain": 53, "ssh": 22}

func (testResolver) HostToAddr(name string) (netip.Addr, bool) {
	a, ok := testHosts[name]
	return a, ok
}

func (testResolver) AddrToHost(a netip.Addr) (string, bool) {
	for n, v := range testHosts {
		if v == a {
			return n, true
		}
	}
	return "", false
}

func (testResolver) ServiceToPort(name string, proto ipvsctl.Protocol) (uint16, bool) {
	if proto == 0 {
		return 0, false
	}
	p, ok := testServices[name]
	return p, ok
}

func (testResolver) PortToService(port uint16, proto ipvsctl.Protocol) (string, bool) {
	for _, n := range []string{"http", "https", "domain", "ssh"} {
		if testServices[n] == port && proto != 0 {
			return n, true
		}
	}
	return "", false
}
