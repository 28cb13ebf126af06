package bgp

import (
	"fmt"
	"net/netip"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

const originIGP = 0

// family is a prefix's or address's AFI/SAFI: IPv4 or IPv6 unicast.
func family(a netip.Addr) gobgp.Family {
	if a.Is4() {
		return gobgp.RF_IPv4_UC
	}
	return gobgp.RF_IPv6_UC
}

func apiFamily(a netip.Addr) *api.Family {
	if a.Is4() {
		return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	}
	return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
}

// path is the locally originated route for p. An unspecified next hop
// (0.0.0.0, ::) makes GoBGP put each session's local address there.
func path(p netip.Prefix, a Attrs) (*apiutil.Path, error) {
	nlri, err := gobgp.NewIPAddrPrefix(p)
	if err != nil {
		return nil, fmt.Errorf("bgp: prefix %s: %w", p, err)
	}
	nh := a.NextHop
	if !nh.IsValid() {
		nh = netip.IPv4Unspecified()
		if p.Addr().Is6() {
			nh = netip.IPv6Unspecified()
		}
	}
	attrs := []gobgp.PathAttributeInterface{
		gobgp.NewPathAttributeOrigin(originIGP),
		gobgp.NewPathAttributeMultiExitDisc(a.MED),
	}
	if p.Addr().Is4() {
		nha, err := gobgp.NewPathAttributeNextHop(nh)
		if err != nil {
			return nil, fmt.Errorf("bgp: next hop %s: %w", nh, err)
		}
		attrs = append(attrs, nha)
	} else {
		mp, err := gobgp.NewPathAttributeMpReachNLRI(gobgp.RF_IPv6_UC, []gobgp.PathNLRI{{NLRI: nlri}}, nh)
		if err != nil {
			return nil, fmt.Errorf("bgp: next hop %s: %w", nh, err)
		}
		attrs = append(attrs, mp)
	}
	if len(a.Communities) > 0 {
		cs := make([]uint32, len(a.Communities))
		for i, c := range a.Communities {
			cs[i] = c.Uint32()
		}
		attrs = append(attrs, gobgp.NewPathAttributeCommunities(cs))
	}
	return &apiutil.Path{Family: family(p.Addr()), Nlri: nlri, Attrs: attrs}, nil
}

// withdrawal is the path that takes p back.
func withdrawal(p netip.Prefix) (*apiutil.Path, error) {
	nlri, err := gobgp.NewIPAddrPrefix(p)
	if err != nil {
		return nil, fmt.Errorf("bgp: prefix %s: %w", p, err)
	}
	return &apiutil.Path{Family: family(p.Addr()), Nlri: nlri, Withdrawal: true}, nil
}
