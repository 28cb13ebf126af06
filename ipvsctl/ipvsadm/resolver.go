package ipvsadm

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

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Resolver answers the name lookups ipvsadm makes through the C library.
// Tests substitute their own.
type Resolver interface {
	// HostToAddr is gethostbyname restricted to IPv4.
	HostToAddr(name string) (netip.Addr, bool)
	// AddrToHost is gethostbyaddr: the canonical name, or false.
	AddrToHost(a netip.Addr) (string, bool)
	// ServiceToPort is getservbyname(name, proto).
	ServiceToPort(name string, proto ipvsctl.Protocol) (uint16, bool)
	// PortToService is getservbyport(port, proto).
	PortToService(port uint16, proto ipvsctl.Protocol) (string, bool)
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
func (r *SystemResolver) ServiceToPort(name string, proto ipvsctl.Protocol) (uint16, bool) {
	pn := proto.Name()
	if pn == "" {
		return 0, false
	}
	r.load()
	p, ok := r.byName[name+"/"+pn]
	return p, ok
}

// PortToService implements Resolver.
func (r *SystemResolver) PortToService(port uint16, proto ipvsctl.Protocol) (string, bool) {
	pn := proto.Name()
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
