package ldconf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// SystemResolver resolves like glibc does for ldirectord: numeric IPv4 in
// inet_aton's forms (1.2.3 is 1.2.0.3, 010.0.0.1 is octal), then Go's
// resolver (/etc/hosts, DNS); service names from ServicesFile, matched
// case-sensitively like getservbyname.
type SystemResolver struct {
	// ServicesFile defaults to /etc/services.
	ServicesFile string
}

// LookupHost implements Resolver.
func (SystemResolver) LookupHost(ctx context.Context, name string, family Family) (netip.Addr, error) {
	if a, ok := numericHost(name, family); ok {
		return a, nil
	}
	network := "ip4"
	if family == IPv6 {
		network = "ip6"
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, network, name)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", name, err)
	}
	for _, a := range addrs {
		a = a.Unmap()
		if (family == IPv4) == a.Is4() {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("resolve %s: no %s address", name, family)
}

// numericHost reads name as a numeric address of the family, the way
// getaddrinfo does before it looks anything up: IPv4 in inet_aton's forms,
// IPv6 without a zone and not IPv4-mapped.
func numericHost(name string, family Family) (netip.Addr, bool) {
	if family == IPv4 {
		return inetAton(name)
	}
	a, err := netip.ParseAddr(name)
	return a, err == nil && a.Is6() && !a.Is4In6() && a.Zone() == ""
}

// LookupPort implements Resolver.
func (r SystemResolver) LookupPort(ctx context.Context, name, protocol string) (int, error) {
	file := r.ServicesFile
	if file == "" {
		file = "/etc/services"
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if protocol == "" {
			protocol = "ip"
		}
		return net.DefaultResolver.LookupPort(ctx, protocol, name)
	}
	if p, ok := servicesLookup(data, name, protocol); ok {
		return p, nil
	}
	return 0, fmt.Errorf("unknown service %s/%s", name, protocol)
}

// servicesLookup finds name (or an alias) in /etc/services text; protocol
// "" matches any protocol, the first entry wins, like getservbyname.
func servicesLookup(data []byte, name, protocol string) (int, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(f[1], "/")
		if !ok || (protocol != "" && proto != protocol) {
			continue
		}
		match := f[0] == name
		for _, alias := range f[2:] {
			match = match || alias == name
		}
		if !match {
			continue
		}
		if p, err := strconv.Atoi(portStr); err == nil && p >= 0 && p < 65536 {
			return p, true
		}
	}
	return 0, false
}

var errBadAton = errors.New("not an inet_aton address")

// inetAton parses an IPv4 address the way glibc's inet_aton does
// (getaddrinfo uses it for numeric hosts, without trailing garbage): one
// to four parts, each decimal, octal (leading 0) or hex (0x), the last
// part filling the remaining bytes.
func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := atonPart(p)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	n := len(vals)
	for _, v := range vals[:n-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
	}
	if vals[n-1] > uint64(0xffffffff)>>(8*(n-1)) {
		return netip.Addr{}, false
	}
	var u uint32
	for i, v := range vals[:n-1] {
		u |= uint32(v) << (24 - 8*i)
	}
	u |= uint32(vals[n-1])
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}), true
}

func atonPart(p string) (uint64, error) {
	if p == "" {
		return 0, errBadAton
	}
	base := 10
	digits := p
	if strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X") {
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, nil
		}
	} else if len(p) > 1 && p[0] == '0' {
		base, digits = 8, p[1:]
	}
	if len(digits) > 12 {
		return 0, errBadAton
	}
	for _, c := range digits {
		if c == '+' || c == '-' || c == '_' {
			return 0, errBadAton
		}
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, errBadAton
	}
	return v, nil
}
