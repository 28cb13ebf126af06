package ldconf

import (
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/internal/secret"
)

// The BGP directives are lvsctl's own: ldirectord has none of them, so
// their messages are lvsctl's, and a file without them reads exactly as
// before (Global.BGP and Virtual.Announce stay nil).

// Limits of the BGP directives.
const (
	minHoldTime = 3 // RFC 4271: 0 or at least 3; GoBGP reads 0 as "default"
	maxHoldTime = 65535
	maxMultihop = 255
	// maxPasswordLen is the kernel's TCP_MD5SIG_MAXKEYLEN.
	maxPasswordLen   = 80
	maxWithdrawDelay = 3600
)

const bgpPeerSyntax = "bgppeer = ADDRESS ASN [holdtime=S] [port=N] [multihop=N] [passive] [password=SECRET]"

// pendingBGP collects the global BGP directives; they are checked against
// each other and the virtuals once the whole file is read, since globals
// may follow the blocks that use them.
type pendingBGP struct {
	bgp        BGP
	localASSet bool
	medSet     bool
	// first is the first bgp* directive other than bgplocalas, for the
	// error when bgplocalas is missing.
	firstLine int
	firstName string
}

// pendingAnnounce is what a virtual block said about its announcement.
type pendingAnnounce struct {
	line   int // the last announce line, 0 if none
	yes    bool
	prefix netip.Prefix // valid for announce=PREFIX
	// threshold and med are nil when not given; their lines are for
	// warnings.
	threshold     *Threshold
	thresholdLine int
	med           *uint32
	medLine       int
}

func (a *pendingAnnounce) announces() bool { return a != nil && (a.yes || a.prefix.IsValid()) }

var bgpGlobalHandlers = map[string]globalHandler{
	"bgplocalas": func(p *parser, t token, v string) error {
		as, ok := parseASN(bgpValue(v))
		if !ok {
			return p.errorf(t.line, "invalid bgplocalas: an AS number from 1 to 4294967295 is required")
		}
		b := p.pendingBGP(t, "bgplocalas")
		b.bgp.LocalAS, b.bgp.Line, b.localASSet = as, t.line, true
		return nil
	},
	"bgprouterid": func(p *parser, t token, v string) error {
		a, err := netip.ParseAddr(bgpValue(v))
		if err != nil || !a.Is4() || a.IsUnspecified() {
			return p.errorf(t.line, "invalid bgprouterid: an IPv4 address other than 0.0.0.0 is required")
		}
		p.pendingBGP(t, "bgprouterid").bgp.RouterID = a
		return nil
	},
	"bgppeer": (*parser).bgpPeer,
	"bgpmed": func(p *parser, t token, v string) error {
		med, ok := parseUint32(bgpValue(v))
		if !ok {
			return p.errorf(t.line, "invalid bgpmed: a number from 0 to 4294967295 is required")
		}
		b := p.pendingBGP(t, "bgpmed")
		b.bgp.MED, b.medSet = med, true
		return nil
	},
	"bgpnexthop": func(p *parser, t token, v string) error {
		v = bgpValue(v)
		b := p.pendingBGP(t, "bgpnexthop")
		if v == "self" {
			b.bgp.NextHop = netip.Addr{}
			return nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
			return p.errorf(t.line, "invalid bgpnexthop: self or a unicast IP address is required")
		}
		b.bgp.NextHop = a.Unmap()
		return nil
	},
	"bgpcommunities": func(p *parser, t token, v string) error {
		cs, bad, ok := parseCommunities(bgpValue(v))
		if !ok {
			return p.errorf(t.line, "invalid bgp community %q: AS:N with AS and N from 0 to 65535 is required", bad)
		}
		p.pendingBGP(t, "bgpcommunities").bgp.Communities = cs
		return nil
	},
	"bgpwithdrawfile": func(p *parser, t token, v string) error {
		f := optionallyQuoted(bgpValue(v))
		if !strings.HasPrefix(f, "/") {
			return p.errorf(t.line, "invalid bgpwithdrawfile: an absolute path is required")
		}
		p.pendingBGP(t, "bgpwithdrawfile").bgp.WithdrawFile = f
		return nil
	},
	"bgpwithdrawdelay": func(p *parser, t token, v string) error {
		v = bgpValue(v)
		if !reDigitsOnly.MatchString(v) || digitsValue(v) > maxWithdrawDelay {
			return p.errorf(t.line, "invalid bgpwithdrawdelay: a number of seconds from 0 to %d is required", maxWithdrawDelay)
		}
		p.pendingBGP(t, "bgpwithdrawdelay").bgp.WithdrawDelay = seconds(digitsValue(v))
		return nil
	},
}

var announceBlockHandlers = map[string]blockHandler{
	"announce":          (*parser).blockAnnounce,
	"announcethreshold": (*parser).blockAnnounceThreshold,
	"announcemed": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
		med, ok := parseUint32(bgpValue(v))
		if !ok {
			return p.errorf(t.line, "invalid announcemed: a number from 0 to 4294967295 is required")
		}
		a := pv.pendingAnnounce()
		a.med, a.medLine = &med, t.line
		return nil
	},
}

// misplacedExtension is the error for one of lvsctl's global directives
// (BGP, runtime) inside a virtual block, or a per-virtual BGP directive
// outside one (ldirectord's own directives keep "Unknown command"). It
// returns nil when name is none of them.
func (p *parser) misplacedExtension(t token, name string, inBlock bool) error {
	_, bgp := bgpGlobalHandlers[name]
	_, runtime := runtimeGlobalHandlers[name]
	if (bgp || runtime) && inBlock {
		return p.errorf(t.line, "%s is a global directive: it cannot be inside a virtual block", name)
	}
	if _, ok := announceBlockHandlers[name]; ok && !inBlock {
		return p.errorf(t.line, "%s is a directive of virtual blocks: it cannot be outside one", name)
	}
	return nil
}

// pendingBGP returns the BGP directives read so far; t and name are the
// directive being read.
func (p *parser) pendingBGP(t token, name string) *pendingBGP {
	if p.bgp == nil {
		p.bgp = &pendingBGP{bgp: BGP{WithdrawDelay: DefaultBGPWithdrawDelay}}
	}
	if name != "bgplocalas" && p.bgp.firstName == "" {
		p.bgp.firstName, p.bgp.firstLine = name, t.line
	}
	return p.bgp
}

func (pv *pendingVirtual) pendingAnnounce() *pendingAnnounce {
	if pv.announce == nil {
		pv.announce = &pendingAnnounce{}
	}
	return pv.announce
}

// bgpPeer reads ADDRESS ASN [OPTION...]. No message quotes a password:
// an unknown option is named by what precedes its "=".
func (p *parser) bgpPeer(t token, v string) error {
	p.pendingBGP(t, "bgppeer")
	f := strings.Fields(bgpValue(v))
	if len(f) < 2 {
		return p.errorf(t.line, "invalid bgppeer: the syntax is %s", bgpPeerSyntax)
	}
	a, err := netip.ParseAddr(f[0])
	if err != nil || a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
		return p.errorf(t.line, "invalid bgppeer address %q: a unicast IPv4 or IPv6 address without a zone is required", f[0])
	}
	peer := &BGPPeer{Line: t.line, Address: a.Unmap()}
	as, ok := parseASN(f[1])
	if !ok {
		return p.errorf(t.line, "invalid bgppeer AS number %q: a number from 1 to 4294967295 is required", f[1])
	}
	peer.AS = as
	seen := map[string]bool{}
	for _, o := range f[2:] {
		key, val, hasValue := strings.Cut(o, "=")
		if seen[key] {
			return p.errorf(t.line, "bgppeer option %s given twice", key)
		}
		seen[key] = true
		if err := p.bgpPeerOption(t, peer, key, val, hasValue); err != nil {
			return err
		}
	}
	for _, q := range p.bgp.bgp.Peers {
		if q.Address == peer.Address {
			return p.errorf(t.line, "duplicate bgppeer %s (first on line %d)", peer.Address, q.Line)
		}
	}
	p.bgp.bgp.Peers = append(p.bgp.bgp.Peers, peer)
	return nil
}

func (p *parser) bgpPeerOption(t token, peer *BGPPeer, key, val string, hasValue bool) error {
	if key == "passive" {
		if hasValue {
			return p.errorf(t.line, "bgppeer option passive takes no value")
		}
		peer.Passive = true
		return nil
	}
	if !hasValue {
		if _, known := map[string]bool{"holdtime": true, "port": true, "multihop": true, "password": true}[key]; known {
			return p.errorf(t.line, "bgppeer option %s needs a value (%s=...)", key, key)
		}
		return p.errorf(t.line, "unknown bgppeer option %q (the syntax is %s)", key, bgpPeerSyntax)
	}
	switch key {
	case "holdtime":
		n, ok := uintIn(val, minHoldTime, maxHoldTime)
		if !ok {
			return p.errorf(t.line, "invalid bgppeer holdtime %q: %d to %d seconds is required", val, minHoldTime, maxHoldTime)
		}
		peer.HoldTime = time.Duration(n) * time.Second
	case "port":
		n, ok := uintIn(val, 1, 65535)
		if !ok {
			return p.errorf(t.line, "invalid bgppeer port %q: 1 to 65535 is required", val)
		}
		peer.Port = uint16(n)
	case "multihop":
		n, ok := uintIn(val, 1, maxMultihop)
		if !ok {
			return p.errorf(t.line, "invalid bgppeer multihop %q: a TTL from 1 to %d is required", val, maxMultihop)
		}
		peer.Multihop = int(n)
	case "password":
		switch {
		case val == "":
			return p.errorf(t.line, "empty bgppeer password")
		case len(val) > maxPasswordLen:
			return p.errorf(t.line, "bgppeer password longer than %d bytes (the kernel's TCP MD5 key limit)", maxPasswordLen)
		}
		peer.Password = secret.New(val)
	default:
		return p.errorf(t.line, "unknown bgppeer option %q (the syntax is %s)", key, bgpPeerSyntax)
	}
	return nil
}

func (p *parser) blockAnnounce(pv *pendingVirtual, t token, _, v string) error {
	v = bgpValue(v)
	a := pv.pendingAnnounce()
	a.line, a.yes, a.prefix = t.line, false, netip.Prefix{}
	switch v {
	case "no":
		return nil
	case "yes":
		if pv.v.Protocol == FWM {
			return p.errorf(t.line, "announce=yes needs a prefix on a firewall-mark virtual service (it has no address): announce = PREFIX")
		}
		a.yes = true
		return nil
	}
	pfx, err := parsePrefix(v)
	if err != nil {
		return p.errorf(t.line, "announce must be yes, no or a prefix (ADDRESS/LENGTH): %q", v)
	}
	if pfx.Addr().Is4() != (pv.v.Family == IPv4) {
		want := "an IPv4 prefix for virtual="
		if pv.v.Family == IPv6 {
			want = "an IPv6 prefix for virtual6="
		}
		return p.errorf(t.line, "announce prefix %s is of the wrong family: %s is required", pfx, want)
	}
	if pfx != pfx.Masked() {
		return p.errorf(t.line, "announce prefix %s has host bits set (the prefix is %s)", pfx, pfx.Masked())
	}
	a.prefix = pfx
	return nil
}

var reThreshold = regexp.MustCompile(`^(\d+)(%?)$`)

func (p *parser) blockAnnounceThreshold(pv *pendingVirtual, t token, _, v string) error {
	m := reThreshold.FindStringSubmatch(bgpValue(v))
	bad := m == nil
	var th Threshold
	if !bad {
		n := digitsValue(m[1])
		th = Threshold{N: clampInt(n), Percent: m[2] == "%"}
		bad = n == 0 || th.Percent && n > 100
	}
	if bad {
		return p.errorf(t.line, "announcethreshold must be a number of real servers (1 or more) or a percentage of them (1%% to 100%%)")
	}
	a := pv.pendingAnnounce()
	a.threshold, a.thresholdLine = &th, t.line
	return nil
}

// reBGPComment is a comment after a BGP directive's value: "#" after a
// blank (a password may hold a "#" of its own).
var reBGPComment = regexp.MustCompile(ws + `+#.*$`)

// bgpValue is a BGP directive's value without a trailing comment or
// blanks; unlike ldirectord's own directives, the whole value must then
// be valid.
func bgpValue(v string) string {
	return strings.Trim(reBGPComment.ReplaceAllString(v, ""), "\t\n\x0B\f\r ")
}

// parseASN reads an AS number in asplain notation.
func parseASN(s string) (uint32, bool) {
	n, ok := uintIn(s, 1, 1<<32-1)
	return uint32(n), ok
}

func parseUint32(s string) (uint32, bool) {
	n, ok := uintIn(s, 0, 1<<32-1)
	return uint32(n), ok
}

// uintIn reads decimal digits only (no sign, no blanks) within [lo, hi].
func uintIn(s string, lo, hi uint64) (uint64, bool) {
	if !reDigitsOnly.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n >= lo && n <= hi
}

var reCommunitySplit = regexp.MustCompile(ws + `*,` + ws + `*`)

// parseCommunities reads AS:N[,AS:N...]; when !ok, bad is the first item
// that is not one.
func parseCommunities(v string) (cs []Community, bad string, ok bool) {
	for _, item := range reCommunitySplit.Split(v, -1) {
		as, n, found := strings.Cut(item, ":")
		a, okA := uintIn(as, 0, 65535)
		b, okB := uintIn(n, 0, 65535)
		if !found || !okA || !okB {
			return nil, item, false
		}
		cs = append(cs, Community{AS: uint16(a), Value: uint16(b)})
	}
	return cs, "", true
}

// parsePrefix reads ADDRESS/LENGTH, or a bare address as a host prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errBadPrefix
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if pfx.Addr().Is4In6() {
		return netip.Prefix{}, errBadPrefix
	}
	return pfx, nil
}

var errBadPrefix = errors.New("not a prefix")
