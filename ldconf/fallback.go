package ldconf

import (
	"net/netip"
	"regexp"
)

// rawFallback is a fallback= value split as parse_fallback does, before
// name resolution.
type rawFallback struct {
	line    int
	host    string
	port    string // "" if not given
	hasPort bool
	forward Forward
}

var (
	reFallbackFwd  = regexp.MustCompile(`(\S+)(` + ws + `+(\S+))?` + ws + `*$`)
	reFallbackPort = regexp.MustCompile(`(:(\d+|[A-Za-z0-9_-]+))?$`)
)

// parseFallback splits "HOST[:PORT] [METHOD]". Like ldirectord's unanchored
// pattern, with three words the first is silently dropped.
func (p *parser) parseFallback(line int, v string) (*rawFallback, error) {
	rest, fwd := v, ""
	if m := reFallbackFwd.FindStringSubmatch(v); m != nil {
		rest, fwd = m[1], m[3]
	}
	fb := &rawFallback{line: line, forward: Gate}
	loc := reFallbackPort.FindStringSubmatchIndex(rest)
	fb.host = rest[:loc[0]]
	if loc[4] >= 0 {
		fb.port, fb.hasPort = rest[loc[4]:loc[5]], true
	}
	if fwd != "" {
		f, ok := lookupName(forwardNames, fwd)
		if !ok {
			return nil, p.errorValue(line, fwd, didYouMean(fwd, forwardNames), "forward method must be gate, masq or ipip")
		}
		fb.forward = Forward(f)
	}
	return fb, nil
}

// resolveFallbackHost resolves the host; the message names the family as
// ldirectord does.
func (p *parser) resolveFallbackHost(fb *rawFallback, fam Family) (netip.Addr, error) {
	a, err := p.lookupHost(fb.host, fam)
	if err != nil {
		name := "IPv4"
		if fam == IPv6 {
			name = "IPv6"
		}
		return netip.Addr{}, p.errorWrap(fb.line, err, "invalid %s address or could not resolve for fallback server: %s", name, fb.host)
	}
	return a, nil
}

// resolveFallbackPort: a port of "" or "0" is not resolved (Perl truth).
func (p *parser) resolveFallbackPort(fb *rawFallback, proto string) (uint16, error) {
	if !perlTrue(fb.port) {
		return 0, nil
	}
	port, err := p.lookupPort(fb.port, proto)
	if err != nil || port == 0 {
		return 0, withText(p.errorWrap(fb.line, err, "invalid port for fallback server"), explain("invalid port for fallback server", fb.port, ""))
	}
	return port, nil
}

func (p *parser) globalFallback(t token, v string, fam Family) error {
	fb, err := p.parseFallback(t.line, v)
	if err != nil {
		return err
	}
	// ldirectord parses and resolves it once for tcp and once for udp.
	a, err := p.resolveFallbackHost(fb, fam)
	if err != nil {
		return err
	}
	tcp, err := p.resolveFallbackPort(fb, "tcp")
	if err != nil {
		return err
	}
	udp, err := p.resolveFallbackPort(fb, "udp")
	if err != nil {
		return err
	}
	g := &GlobalFallback{Line: t.line, Address: a, HasPort: fb.hasPort, PortTCP: tcp, PortUDP: udp, Forward: fb.forward}
	if fam == IPv4 {
		p.cfg.Global.Fallback = g
	} else {
		p.cfg.Global.Fallback6 = g
	}
	return nil
}
