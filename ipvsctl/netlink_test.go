package ipvsctl

import (
	"net/netip"
	"testing"
)

func TestWithDefaults(t *testing.T) {
	for _, c := range []struct {
		in   Service
		fam  uint16
		mask uint32
	}{
		{Service{Address: netip.MustParseAddr("10.0.0.1"), Port: 80}, AFInet, 0xffffffff},
		{Service{Address: netip.MustParseAddr("2001:db8::1"), Port: 80}, AFInet6, 128},
		{Service{FWMark: 3}, AFInet, 0xffffffff},
		{Service{FWMark: 3, Family: AFInet6}, AFInet6, 128},
		{Service{Address: netip.MustParseAddr("10.0.0.1"), Netmask: 0xffffff00}, AFInet, 0xffffff00},
	} {
		d := withDefaults(&c.in)
		if d.Family != c.fam || d.Netmask != c.mask {
			t.Errorf("%+v: got family %d mask %#x", c.in, d.Family, d.Netmask)
		}
	}
}
