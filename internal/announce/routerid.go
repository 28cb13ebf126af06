package announce

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// HostRouterID is the router id when bgprouterid is not given: the host's
// first global unicast IPv4 address, in the kernel's interface order,
// leaving out loopback devices. A director holds its VIPs on lo, the
// same addresses on every director: the first of them would give all
// directors one router id.
func HostRouterID() (netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bgp: router id: %w", err)
	}
	var addrs []net.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		as, err := ifc.Addrs()
		if err != nil {
			return netip.Addr{}, fmt.Errorf("bgp: router id: %s: %w", ifc.Name, err)
		}
		addrs = append(addrs, as...)
	}
	return firstGlobalIPv4(addrs)
}

func firstGlobalIPv4(addrs []net.Addr) (netip.Addr, error) {
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if ip = ip.Unmap(); ok && ip.Is4() && ip.IsGlobalUnicast() {
			return ip, nil
		}
	}
	return netip.Addr{}, errors.New("bgp: router id: the host has no global IPv4 address outside lo; set bgprouterid")
}
