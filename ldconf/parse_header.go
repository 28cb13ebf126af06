package ldconf

import (
	"net/netip"
	"regexp"
)

var (
	reVirtualV4   = regexp.MustCompile(`^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z_-]+)`)
	reVirtualHost = regexp.MustCompile(`^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)`)
	reVirtualFwm  = regexp.MustCompile(`^(\d+)`)
	reVirtualV6   = regexp.MustCompile(`^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z_-]+)`)
)

// virtualHeader reads virtual= / virtual6=; the forms are tried in
// ldirectord's order, so "virtual=10.0.0.1" is firewall mark 10, and
// anything after the address is ignored.
func (p *parser) virtualHeader(t token) error {
	fam := IPv4
	if t.v6 {
		fam = IPv6
	}
	v := &Virtual{
		Line: t.line, Family: fam, CheckType: CheckNegotiate, Scheduler: "wrr",
		CheckCommand: "/bin/true", Request: "/", HTTPMethod: MethodGET,
	}
	pv := &pendingVirtual{v: v}
	if err := p.virtualAddress(pv, t); err != nil {
		// Collecting errors, the block's lines are still read.
		pv.broken = true
		p.cur = pv
		return err
	}
	p.cur = pv
	p.cfg.Virtuals = append(p.cfg.Virtuals, v)
	return nil
}

// virtualAddress reads the value of virtual= / virtual6=.
func (p *parser) virtualAddress(pv *pendingVirtual, t token) error {
	v, fam, val := pv.v, pv.v.Family, t.text
	forms := "the forms are IPV4:PORT, HOST:PORT, [IPV6]:PORT (virtual6=) and a firewall mark"
	var host, port string
	if m := reVirtualV4.FindStringSubmatch(val); m != nil && fam == IPv4 {
		host, port = m[1], m[2]
	} else if m := reVirtualHost.FindStringSubmatch(val); m != nil {
		host, port = m[1], m[2]
	} else if m := reVirtualFwm.FindStringSubmatch(val); m != nil {
		v.Protocol, v.Service = FWM, ServiceNone
		v.FWMarkText, v.FWMark = m[1], digitsValue(m[1])
		pv.portText = "0"
	} else if m := reVirtualV6.FindStringSubmatch(val); m != nil {
		if fam == IPv4 {
			return p.errorf(t.line, "cannot specify an IPv6 address here. please use \"virtual6\" instead.")
		}
		if a, err := netip.ParseAddr(m[1]); err != nil || !a.Is6() {
			return p.errorValue(t.line, val, "", "invalid ipv6 address for virtual server")
		}
		host, port = "["+m[1]+"]", m[2]
	} else {
		return p.errorValue(t.line, val, forms, "invalid address for virtual server")
	}
	if host != "" {
		pv.ipPort, pv.portText = host+":"+port, port
		v.Host, v.PortText, v.Protocol = host, port, TCP
		// The literal port text decides, before any name resolution.
		if port == "53" || port == "domain" {
			v.Protocol = UDP
		}
	}
	return nil
}
