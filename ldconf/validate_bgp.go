package ldconf

import (
	"net/netip"
)

// finishBGP checks the BGP directives against each other and the virtuals
// once the whole file is read, and fills Global.BGP and each
// Virtual.Announce. It returns every problem (run reports the earliest
// line's, as if ldirectord had read them in order).
func (p *parser) finishBGP() []*Error {
	var errs []*Error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, p.errorf(line, format, args...).(*Error))
	}
	on := p.bgp != nil && p.bgp.localASSet
	if p.bgp != nil && !p.bgp.localASSet {
		fail(p.bgp.firstLine, "%s needs bgplocalas (BGP is off without it)", p.bgp.firstName)
	}
	for _, pv := range p.done {
		a, v := pv.announce, pv.v
		if !a.announces() {
			continue
		}
		if !on {
			fail(a.line, "announce needs bgplocalas (BGP is off without it)")
			continue
		}
		if a.prefix.IsValid() && v.Protocol != FWM && !a.prefix.Contains(v.Address) {
			fail(a.line, "announce prefix %s does not contain the virtual address %s", a.prefix, v.Address)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if !on {
		p.warnAnnounceWithoutBGP()
		return nil
	}
	b := &p.bgp.bgp
	p.cfg.Global.BGP = b
	if len(b.Peers) == 0 {
		p.warn(b.Line, false, "bgplocalas without any bgppeer: nothing is announced")
	}
	for _, peer := range b.Peers {
		if peer.Multihop != 0 && peer.AS == b.LocalAS {
			p.warn(peer.Line, false, "multihop has no effect on bgppeer %s: its AS is bgplocalas (iBGP)", peer.Address)
		}
	}
	p.setAnnouncements(b)
	return nil
}

// setAnnouncements fills Virtual.Announce (virtual ▸ global ▸ default)
// and warns about settings that cannot do what they seem to.
func (p *parser) setAnnouncements(b *BGP) {
	type first struct {
		line int
		med  uint32
	}
	byPrefix := map[netip.Prefix]first{}
	for _, pv := range p.done {
		a, v := pv.announce, pv.v
		if !a.announces() {
			p.warnAnnounceSettings(pv)
			continue
		}
		an := &Announce{Line: a.line, Prefix: a.prefix, Threshold: Threshold{N: 1}, MED: b.MED}
		if a.yes {
			an.Prefix = netip.PrefixFrom(v.Address, v.Address.BitLen())
		}
		if a.threshold != nil {
			an.Threshold = *a.threshold
		}
		if a.med != nil {
			an.MED = *a.med
		}
		v.Announce = an
		if th, n := an.Threshold, servingCapable(v); !th.Percent && th.N > n {
			what := "it is never announced"
			if v.Fallback != nil {
				what = "it is announced only while its fallback server serves"
			}
			p.warn(a.thresholdLine, false, "announcethreshold %d is more than the %d real servers of virtual service %s: %s", th.N, n, virtualID(v), what)
		}
		if f, ok := byPrefix[an.Prefix]; !ok {
			byPrefix[an.Prefix] = first{line: a.line, med: an.MED}
		} else if f.med != an.MED {
			p.warn(a.line, false, "announce of %s with MED %d here and %d on line %d: the lowest MED of the virtual services that qualify is announced", an.Prefix, an.MED, f.med, f.line)
		}
	}
}

// warnAnnounceSettings: announcethreshold and announcemed without announce
// do nothing (after announce=no they are kept on purpose, silently).
func (p *parser) warnAnnounceSettings(pv *pendingVirtual) {
	a := pv.announce
	if a == nil || a.line != 0 {
		return
	}
	if a.threshold != nil {
		p.warn(a.thresholdLine, false, "announcethreshold without announce has no effect")
	}
	if a.med != nil {
		p.warn(a.medLine, false, "announcemed without announce has no effect")
	}
}

// warnAnnounceWithoutBGP covers a file without BGP whose blocks still
// carry announce settings (announce=no or none).
func (p *parser) warnAnnounceWithoutBGP() {
	for _, pv := range p.done {
		p.warnAnnounceSettings(pv)
	}
}

// servingCapable counts the real servers that can serve: those the kernel
// would take.
func servingCapable(v *Virtual) int {
	n := 0
	for _, r := range v.Reals {
		if r.Rejected == "" {
			n++
		}
	}
	return n
}
