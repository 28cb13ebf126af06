package bgp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// HostRouterID is the router id when none is configured: the host's first
// global unicast IPv4 address, in the kernel's interface order.
func HostRouterID() (netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bgp: router id: %w", err)
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
	return netip.Addr{}, errors.New("bgp: router id: the host has no global IPv4 address; set bgprouterid")
}
