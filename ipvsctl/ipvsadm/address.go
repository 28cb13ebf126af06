package ipvsadm

import (
	"net/netip"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The arguments of ipvsadm's options, read as ipvsadm reads them: with the
// C library's inet_aton, strtol and name lookups.

func parseTimeout(s *string, lo, hi int64) (uint32, error) {
	if s == nil {
		return 360, nil // IPVS_SVC_PERSISTENT_TIMEOUT
	}
	v := stringToNumber(*s, lo, hi)
	if v == -1 {
		return 0, fail("invalid timeout value `%s' specified", *s)
	}
	return uint32(v), nil
}

func parseFwmark(s string) (uint32, error) {
	v, ok := strtol10(s)
	if !ok || v <= 0 || v > 0xffffffff {
		return 0, fail("invalid fwmark value `%s' specified", s)
	}
	return uint32(v), nil
}

func parseNetmask(s string, res Resolver) (uint32, bool) {
	if v, ok := inetAton(s); ok {
		return v, true
	}
	if a, ok := res.HostToAddr(s); ok {
		v := a.As4()
		return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), true
	}
	return 0, false
}

const (
	serviceAddr = 1
	servicePort = 2
)

// parseService is ipvsadm's parse_service: host[:port] or [v6]:port into
// svc, returning which parts were set.
func parseService(buf string, svc *ipvsctl.Service, res Resolver) int {
	if isAllDigits(buf) {
		return 0
	}
	var port *string
	host := buf
	if strings.HasPrefix(buf, "[") {
		inner, rest, ok := strings.Cut(buf[1:], "]")
		if !ok || !strings.HasPrefix(rest, ":") {
			return 0
		}
		host = inner
		p := rest[1:]
		port = &p
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && a.Zone() == "" {
		svc.Address = a
		svc.Family = ipvsctl.AFInet6
		svc.Netmask = ipvsctl.HostNetmask(ipvsctl.AFInet6)
	} else {
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			p := host[i+1:]
			port = &p
			host = host[:i]
		} else if strings.HasPrefix(buf, "[") {
			port = nil // "[10.0.0.1]:80": the port was cut off with the bracket
		}
		if v, ok := inetAton(host); ok {
			svc.Address = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			svc.Family = ipvsctl.AFInet
		} else if a, ok := res.HostToAddr(host); ok {
			svc.Address = a
			svc.Family = ipvsctl.AFInet
		} else {
			return 0
		}
	}
	result := serviceAddr
	if port != nil {
		result |= servicePort
		if n := stringToNumber(*port, 0, 65535); n != -1 {
			svc.Port = uint16(n)
		} else if n, ok := res.ServiceToPort(*port, svc.Protocol); ok {
			svc.Port = n
		} else {
			return 0
		}
	}
	return result
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseSchedFlags(sched, arg string) (uint32, error) {
	if sched == "" {
		sched = "wlc"
	}
	var flags uint32
	for _, f := range strings.Split(arg, ",") {
		if f == "" {
			continue // strtok skips empty tokens
		}
		switch f {
		case "flag-1":
			flags |= ipvsctl.SvcFlagSchedFlag1
		case "flag-2":
			flags |= ipvsctl.SvcFlagSchedFlag2
		case "flag-3":
			flags |= ipvsctl.SvcFlagSchedFlag3
		case "sh-fallback", "sh-port", "mh-fallback", "mh-port":
			if f[:2] != sched {
				return 0, fail("incompatible scheduler flag `%s'", f)
			}
			if strings.HasSuffix(f, "fallback") {
				flags |= ipvsctl.SvcFlagSchedFlag1
			} else {
				flags |= ipvsctl.SvcFlagSchedFlag2
			}
		default:
			return 0, fail("invalid scheduler flag `%s'", f)
		}
	}
	return flags, nil
}

func parseMcastGroup(s string) (netip.Addr, error) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || !a.IsMulticast() {
			return netip.Addr{}, fail("invalid IPv6 mcast-group `%s'", s)
		}
		return a, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() || !a.IsMulticast() {
		return netip.Addr{}, fail("invalid IPv4 mcast-group `%s'", s)
	}
	return a, nil
}

// inetAton parses an IPv4 address the way glibc's inet_aton does: one to
// four parts, each decimal, octal (leading 0) or hex (0x); the last part
// fills the remaining bytes; parsing stops at whitespace.
func inetAton(s string) (uint32, bool) {
	if i := strings.IndexAny(s, " \t\n\v\f\r"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return 0, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return 0, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := cNumber(p)
		if !ok {
			return 0, false
		}
		vals[i] = v
	}
	var addr uint64
	switch len(vals) {
	case 1:
		if vals[0] > 0xffffffff {
			return 0, false
		}
		addr = vals[0]
	case 2:
		if vals[0] > 0xff || vals[1] > 0xffffff {
			return 0, false
		}
		addr = vals[0]<<24 | vals[1]
	case 3:
		if vals[0] > 0xff || vals[1] > 0xff || vals[2] > 0xffff {
			return 0, false
		}
		addr = vals[0]<<24 | vals[1]<<16 | vals[2]
	case 4:
		for _, v := range vals {
			if v > 0xff {
				return 0, false
			}
		}
		addr = vals[0]<<24 | vals[1]<<16 | vals[2]<<8 | vals[3]
	}
	return uint32(addr), true
}

// inetNtop renders an address as glibc's inet_ntop does (IPv6 with an
// embedded IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d).
func inetNtop(a netip.Addr) string {
	if a.Is4() || !a.IsValid() {
		return a.String()
	}
	b := a.As16()
	zero10 := true
	for _, c := range b[:10] {
		if c != 0 {
			zero10 = false
		}
	}
	if zero10 {
		tail := netip.AddrFrom4([4]byte(b[12:16])).String()
		switch {
		case b[10] == 0xff && b[11] == 0xff:
			return "::ffff:" + tail
		case b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0):
			// glibc prints ::a.b.c.d when the first 96 bits are zero,
			// except for :: and ::1 style short values.
			return "::" + tail
		}
	}
	return a.String()
}
