package ldconf

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// maxRange bounds a real= range and maxReals the whole file. ldirectord
// has no limit (a /8 would make 16 million servers); lvsctl refuses more
// so that a typo cannot exhaust memory (docs/compat.md).
const (
	maxRange = 65536
	maxReals = 1 << 18
)

var (
	reRealAddr = regexp.MustCompile(
		`(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\])` +
			`(->(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\]))?` +
			`(:(\d+|[A-Za-z0-9_-]+))?` + ws + `+(.*)`)
	reRealMethod  = regexp.MustCompile(`(\w+)(.*)`)
	reRealWeight  = regexp.MustCompile(ws + `+(\d+)(.*)`)
	reRealReqRecv = regexp.MustCompile(ws + `+"(.*)"[, ]` + ws + `*"(.*)"(.*)`)
	reRealLow     = regexp.MustCompile(ws + `+l:(\d+)(.*)`)
	reRealUp      = regexp.MustCompile(ws + `+u:(\d+)(.*)`)
)

// resolveReals is _ld_read_config_real_resolve: each real= line is checked
// and resolved in order when its block ends. Collecting errors (LoadAll),
// a real in error is left out and the next one read.
func (p *parser) resolveReals(pv *pendingVirtual) error {
	for _, rr := range pv.reals {
		if err := p.fail(p.resolveReal(pv, rr)); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) resolveReal(pv *pendingVirtual, rr rawReal) error {
	m := reRealAddr.FindStringSubmatch(rr.text)
	if m == nil {
		return p.errorValue(rr.line, rr.text, "the form is ADDRESS[:PORT] gate|masq|ipip [WEIGHT]", "invalid address for real server (wrong format)")
	}
	ip1, ip2, portText, flags := m[1], m[3], m[5], m[6]
	if m[4] == "" {
		portText = "0"
	}
	fam := pv.v.Family
	a1, err := p.lookupHost(ip1, fam)
	if err != nil {
		return p.errorWrap(rr.line, err, "invalid address (%s) for real server (could not resolve host)", ip1)
	}
	port, err := p.lookupPort(portText, "")
	if err != nil {
		return p.errorWrap(rr.line, err, "invalid port (%s) for real server (could not resolve port)", portText)
	}
	addrs := []netip.Addr{a1}
	if ip2 != "" {
		a2, err := p.lookupHost(ip2, fam)
		if err != nil {
			return p.errorWrap(rr.line, err, "invalid address (%s) for real server (could not resolve end host)", ip2)
		}
		if addrs, err = p.realRange(rr.line, a1, a2); err != nil {
			return err
		}
	}
	if len(addrs) == 0 {
		// ldirectord never looks at the flags of an empty range.
		return nil
	}
	if p.nreals += len(addrs); p.nreals > maxReals {
		return p.errorf(rr.line, "more than %d real servers in the configuration", maxReals)
	}
	tmpl := Real{Line: rr.line, Host: ip1, Port: port}
	if err := p.realFlags(&tmpl, flags); err != nil {
		return err
	}
	for _, a := range addrs {
		r := tmpl
		r.Address = a
		pv.v.Reals = append(pv.v.Reals, &r)
	}
	return nil
}

// realRange is add_real_server_range. ldirectord's loop compares the
// addresses as decimal strings (Perl "le"), so a range whose integer form
// gains a digit stops early; that is reproduced, with a warning.
func (p *parser) realRange(line int, first, last netip.Addr) ([]netip.Addr, error) {
	if first.Is6() {
		return nil, p.errorf(line, "Address range for IPv6 is not supported yet")
	}
	f, l := addrToUint32(first), addrToUint32(last)
	if f > l {
		return nil, p.errorf(line, "Invalid Range: %s-%s: First value must be greater than or equal to the second value", first, last)
	}
	if uint64(l)-uint64(f)+1 > maxRange {
		return nil, p.errorf(line, "Invalid Range: %s-%s: more than %d addresses", first, last, maxRange)
	}
	lastText := strconv.FormatUint(uint64(l), 10)
	var out []netip.Addr
	for i := uint64(f); i <= uint64(l) && strconv.FormatUint(i, 10) <= lastText; i++ {
		out = append(out, uint32ToAddr(uint32(i)))
	}
	if want := uint64(l) - uint64(f) + 1; uint64(len(out)) != want {
		p.warn(line, false, "range %s->%s yields %d of its %d addresses: ldirectord compares the addresses as strings", first, last, len(out), want)
	}
	return out, nil
}

// realFlags is add_real_server: "METHOD [WEIGHT] ["REQ", "RECV"] [l:N]
// [u:N]", read with ldirectord's unanchored patterns, so text they skip
// is ignored (we warn about it). Deviations (docs/compat.md): a per-real
// request starting with "/" is used, and u: before l: is honoured.
func (p *parser) realFlags(r *Real, flags string) error {
	loc := reRealMethod.FindStringSubmatchIndex(flags)
	var fwd int
	ok := false
	if loc != nil {
		fwd, ok = lookupName(forwardNames, flags[loc[2]:loc[3]])
	}
	if !ok {
		word := ""
		if loc != nil {
			word = flags[loc[2]:loc[3]]
		}
		return p.errorValue(r.Line, word, didYouMean(word, forwardNames), "forward method must be gate, masq or ipip")
	}
	p.skipped(r.Line, flags[:loc[2]])
	r.Forward, flags = Forward(fwd), flags[loc[4]:loc[5]]

	r.Weight = 1
	if loc := reRealWeight.FindStringSubmatchIndex(flags); loc != nil {
		p.skipped(r.Line, flags[:loc[0]])
		r.Weight = int64(min(digitsValue(flags[loc[2]:loc[3]]), 1<<62))
		flags = flags[loc[4]:loc[5]]
	}

	junkIsError := true
	if loc := reRealReqRecv.FindStringSubmatchIndex(flags); loc != nil {
		p.skipped(r.Line, flags[:loc[0]])
		req, recv := flags[loc[2]:loc[3]], flags[loc[4]:loc[5]]
		if strings.HasPrefix(req, "/") {
			// ldirectord's `$req =~ /^\//` clobbers $2 and $3: it drops the
			// receive string and everything after, and checks with the
			// virtual's request and receive. We use them.
			p.warn(r.Line, true, "ldirectord ignores a per-real request starting with \"/\" (%q) and what follows it on the line; lvsctl uses them", Redact(req))
			junkIsError = false
		} else {
			req = "/" + req
		}
		r.OwnCheck, r.Request, r.Receive = true, req, recv
		flags = flags[loc[6]:loc[7]]
	}

	low, hasLow := uint64(0), false
	if loc := reRealLow.FindStringSubmatchIndex(flags); loc != nil {
		before := flags[:loc[0]]
		low, hasLow = digitsValue(flags[loc[2]:loc[3]]), true
		flags = flags[loc[4]:loc[5]]
		if !reRealUp.MatchString(flags) {
			if um := reRealUp.FindStringSubmatchIndex(before); um != nil {
				// ldirectord loses a u: written before l:.
				r.UpperThreshold = digitsValue(before[um[2]:um[3]])
				p.warn(r.Line, true, "ldirectord ignores u:%d written before l:%d; lvsctl applies both", r.UpperThreshold, low)
				before = before[:um[0]] + before[um[4]:um[5]]
			}
		}
		p.skipped(r.Line, before)
	}
	if loc := reRealUp.FindStringSubmatchIndex(flags); loc != nil {
		p.skipped(r.Line, flags[:loc[0]])
		r.UpperThreshold = digitsValue(flags[loc[2]:loc[3]])
		flags = flags[loc[4]:loc[5]]
	}
	if hasLow {
		r.LowerThreshold = low
	}
	if reAnyNonWS.MatchString(flags) {
		if junkIsError {
			return p.errorf(r.Line, "Invalid real server line, around \"%s\"", Redact(flags))
		}
		p.skipped(r.Line, flags)
	}
	return nil
}

// skipped warns about text ldirectord's unanchored patterns step over.
func (p *parser) skipped(line int, s string) {
	if reAnyNonWS.MatchString(s) {
		p.warn(line, false, "ignored by ldirectord: %q", Redact(strings.TrimSpace(s)))
	}
}

func addrToUint32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uint32ToAddr(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}
