package ipvsctl

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

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

// cNumber parses one inet_aton part: digits only, base from the prefix.
func cNumber(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(p) > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" is 0 to glibc
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	v, err := strconv.ParseUint(p, base, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// strtol10 is C's strtol(s, &end, 10) with the checks ipvsadm's
// string_to_number makes: leading space and a sign allowed, the whole
// string consumed, at least one digit.
func strtol10(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, false // ERANGE
	}
	if neg {
		v = -v
	}
	return v, true
}

// stringToNumber is ipvsadm's string_to_number: -1 when out of [min,max].
func stringToNumber(s string, lo, hi int64) int64 {
	v, ok := strtol10(s)
	if !ok || v < lo || v > hi {
		return -1
	}
	return v
}

// Resolver answers the name lookups ipvsadm makes through the C library.
// Tests substitute their own.
type Resolver interface {
	// HostToAddr is gethostbyname restricted to IPv4.
	HostToAddr(name string) (netip.Addr, bool)
	// AddrToHost is gethostbyaddr: the canonical name, or false.
	AddrToHost(a netip.Addr) (string, bool)
	// ServiceToPort is getservbyname(name, proto).
	ServiceToPort(name string, proto uint16) (uint16, bool)
	// PortToService is getservbyport(port, proto).
	PortToService(port uint16, proto uint16) (string, bool)
}

// SystemResolver reads /etc/services itself (glibc's exact matching) and
// asks Go's resolver for hosts (/etc/hosts, then DNS).
type SystemResolver struct {
	ServicesFile string

	once     sync.Once
	byName   map[string]uint16 // "name/proto"
	byPort   map[string]string // "port/proto"
	timeout  time.Duration
	hostsMu  sync.Mutex
	revCache map[netip.Addr]string
}

// NewSystemResolver reads /etc/services on first use.
func NewSystemResolver() *SystemResolver {
	return &SystemResolver{ServicesFile: "/etc/services", timeout: 5 * time.Second}
}

func protoName(proto uint16) string {
	switch proto {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoSCTP:
		return "sctp"
	}
	return ""
}

func (r *SystemResolver) load() {
	r.once.Do(func() {
		r.byName = map[string]uint16{}
		r.byPort = map[string]string{}
		f, err := os.Open(r.ServicesFile)
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			portStr, proto, ok := strings.Cut(fields[1], "/")
			if !ok {
				continue
			}
			port, err := strconv.ParseUint(portStr, 10, 16)
			if err != nil {
				continue
			}
			// the first line for a port wins, as in getservbyport
			pk := strconv.FormatUint(port, 10) + "/" + proto
			if _, dup := r.byPort[pk]; !dup {
				r.byPort[pk] = fields[0]
			}
			for _, n := range append([]string{fields[0]}, fields[2:]...) {
				if _, dup := r.byName[n+"/"+proto]; !dup {
					r.byName[n+"/"+proto] = uint16(port)
				}
			}
		}
	})
}

// ServiceToPort implements Resolver.
func (r *SystemResolver) ServiceToPort(name string, proto uint16) (uint16, bool) {
	pn := protoName(proto)
	if pn == "" {
		return 0, false
	}
	r.load()
	p, ok := r.byName[name+"/"+pn]
	return p, ok
}

// PortToService implements Resolver.
func (r *SystemResolver) PortToService(port, proto uint16) (string, bool) {
	pn := protoName(proto)
	if pn == "" {
		return "", false
	}
	r.load()
	n, ok := r.byPort[strconv.Itoa(int(port))+"/"+pn]
	return n, ok
}

// HostToAddr implements Resolver.
func (r *SystemResolver) HostToAddr(name string) (netip.Addr, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, false
	}
	return ips[0].Unmap(), true
}

// AddrToHost implements Resolver.
func (r *SystemResolver) AddrToHost(a netip.Addr) (string, bool) {
	r.hostsMu.Lock()
	if n, ok := r.revCache[a]; ok {
		r.hostsMu.Unlock()
		return n, n != ""
	}
	r.hostsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	name := ""
	if names, err := net.DefaultResolver.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
		name = strings.TrimSuffix(names[0], ".")
	}
	r.hostsMu.Lock()
	if r.revCache == nil {
		r.revCache = map[netip.Addr]string{}
	}
	r.revCache[a] = name
	r.hostsMu.Unlock()
	return name, name != ""
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
