package announce

import (
	"net"
	"net/netip"
	"testing"
)

func TestFirstGlobalIPv4(t *testing.T) {
	ipnet := func(s string) net.Addr {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	got, err := firstGlobalIPv4([]net.Addr{
		ipnet("127.0.0.1/8"), ipnet("::1/128"), ipnet("169.254.1.1/16"), ipnet("2001:db8::1/64"),
		&net.IPAddr{IP: net.ParseIP("192.0.2.9")}, ipnet("10.1.2.3/24"), ipnet("192.0.2.1/24"),
	})
	if err != nil || got != netip.MustParseAddr("10.1.2.3") {
		t.Errorf("got %v, %v; want 10.1.2.3", got, err)
	}
	if _, err := firstGlobalIPv4([]net.Addr{ipnet("127.0.0.1/8"), ipnet("2001:db8::1/64")}); err == nil {
		t.Error("no global IPv4: want an error")
	}
}

// TestHostRouterIDNotLoopback: whatever this host has, the router id is
// never an address of a loopback device (a director's VIPs sit there).
func TestHostRouterIDNotLoopback(t *testing.T) {
	id, err := HostRouterID()
	if err != nil {
		t.Skipf("this host: %v", err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback == 0 {
			continue
		}
		as, _ := ifc.Addrs()
		for _, a := range as {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(id.AsSlice()) {
				t.Errorf("router id %s is on %s", id, ifc.Name)
			}
		}
	}
}
