package ldconf

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// endBlock runs when a virtual block ends, in ldirectord's order: the
// fallback, the virtual address, the reals, then the duplicate check
// (reported at the line that ended the block). Collecting errors
// (LoadAll), every stage runs; a block without a usable address (or
// header) is left out of the configuration.
func (p *parser) endBlock(line int) error {
	pv := p.cur
	p.cur = nil
	v := pv.v
	v.EndLine = line
	if !pv.broken {
		if err := p.fail(p.resolveVirtualFallback(pv)); err != nil {
			return err
		}
		addrErr := p.resolveVirtualAddress(pv)
		if err := p.fail(addrErr); err != nil {
			return err
		}
		pv.broken = addrErr != nil
	}
	if err := p.resolveReals(pv); err != nil {
		return err
	}
	if pv.broken {
		return nil
	}
	id := virtualID(v)
	if first, dup := p.seen[id]; dup {
		pv.broken = true
		return p.fail(withText(p.errorf(line, "duplicate virtual server"),
			fmt.Sprintf("duplicate virtual server %s (the block ending here; the first is on line %d)", id, first)))
	}
	p.seen[id] = v.Line
	p.done = append(p.done, pv)
	return nil
}

func (p *parser) resolveVirtualFallback(pv *pendingVirtual) error {
	fb := pv.fallback
	if fb == nil {
		return nil
	}
	a, err := p.resolveFallbackHost(fb, pv.v.Family)
	if err != nil {
		return err
	}
	port, err := p.resolveFallbackPort(fb, protoName(pv.v.Protocol))
	if err != nil {
		return err
	}
	pv.v.Fallback = &Fallback{Line: fb.line, Address: a, Port: port, Forward: fb.forward}
	return nil
}

// resolveVirtualAddress resolves HOST:PORT with the final protocol and
// sets the default service from the port.
func (p *parser) resolveVirtualAddress(pv *pendingVirtual) error {
	v := pv.v
	if pv.ipPort == "" {
		return nil
	}
	host, port := splitHostServ(pv.ipPort)
	a, err := p.lookupHost(host, v.Family)
	if err != nil {
		return withText(p.errorWrap(v.Line, err, "invalid address for virtual service"),
			fmt.Sprintf("invalid address for virtual service %q: %v", pv.ipPort, err))
	}
	n, err := p.lookupPort(port, protoName(v.Protocol))
	if err != nil {
		return withText(p.errorWrap(v.Line, err, "invalid address for virtual service"),
			fmt.Sprintf("invalid port for virtual service %q: %v", pv.ipPort, err))
	}
	v.Address, v.Port = a, n
	// ldirectord keeps a numeric port as written and compares it as a
	// string, so ":0080" gets no default service.
	resolved := port
	if !reDigitsOnly.MatchString(port) {
		resolved = strconv.Itoa(int(n))
	}
	if !pv.serviceSet {
		v.Service = ServiceNone
		for s, sp := range servicePorts {
			if strconv.Itoa(int(sp)) == resolved {
				v.Service = s
			}
		}
	}
	pv.portText = resolved
	return nil
}

var reHostServ = regexp.MustCompile(`(:(\d+|[A-Za-z0-9_-]+))?$`)

// splitHostServ splits at the last ":PORT", like ld_gethostservbyname.
func splitHostServ(s string) (host, port string) {
	loc := reHostServ.FindStringSubmatchIndex(s)
	if loc[4] < 0 {
		return s, ""
	}
	return s[:loc[0]], s[loc[4]:loc[5]]
}

// lookupHost is ld_gethostbyname: brackets are removed, the first address
// of the family is taken.
func (p *parser) lookupHost(name string, fam Family) (netip.Addr, error) {
	if i := strings.IndexByte(name, '['); i >= 0 {
		if j := strings.LastIndexByte(name, ']'); j > i {
			name = name[i+1 : j]
		}
	}
	if name == "" {
		return netip.Addr{}, errors.New("empty host name")
	}
	a, err := p.o.Resolver.LookupHost(p.o.Context, name, fam)
	if err != nil {
		return netip.Addr{}, err
	}
	if (fam == IPv4) != a.Is4() {
		return netip.Addr{}, fmt.Errorf("%s is not an %s address", a, fam)
	}
	return a.WithZone(""), nil
}

// lookupPort is ld_getservbyname: digits are a port if below 65536, other
// names go to getservbyname (protocol "" means any).
func (p *parser) lookupPort(name, proto string) (uint16, error) {
	if reDigitsOnly.MatchString(name) {
		n := digitsValue(name)
		if n > 65535 {
			return 0, fmt.Errorf("port %s out of range", name)
		}
		return uint16(n), nil
	}
	if name == "" {
		return 0, errors.New("empty port")
	}
	n, err := p.o.Resolver.LookupPort(p.o.Context, name, proto)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 65535 {
		return 0, fmt.Errorf("port %d out of range", n)
	}
	return uint16(n), nil
}

func protoName(pr Protocol) string {
	switch pr {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return "fwm"
}

// virtualID is get_virtual_id_str: ldirectord's identity of a virtual,
// built from the port text, so "fwm:7" and "fwm:007" differ.
func virtualID(v *Virtual) string {
	if v.Protocol == FWM {
		if v.Family == IPv6 {
			return "fwm6:" + v.FWMarkText
		}
		return "fwm:" + v.FWMarkText
	}
	return protoName(v.Protocol) + ":" + virtualAddrText(v)
}

// virtualAddrText is get_virtual: ip:port ([ip6]:port), or the mark.
func virtualAddrText(v *Virtual) string {
	if v.Protocol == FWM {
		return v.FWMarkText
	}
	port := v.PortText
	if !reDigitsOnly.MatchString(port) {
		port = strconv.Itoa(int(v.Port))
	}
	if v.Family == IPv6 {
		return "[" + v.Address.String() + "]:" + port
	}
	return v.Address.String() + ":" + port
}

// errnoText is the strerror part of an I/O error, like Perl's $!.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
