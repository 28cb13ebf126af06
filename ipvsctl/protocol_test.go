package ipvsctl

import "testing"

// Each reader's form of each protocol, and what a number IPVS does not
// know reads as in each.
func TestProtocolNames(t *testing.T) {
	for _, c := range []struct {
		p                 Protocol
		valid             bool
		str, name, option string
	}{
		{ProtoTCP, true, "TCP", "tcp", "-t"},
		{ProtoUDP, true, "UDP", "udp", "-u"},
		{ProtoSCTP, true, "SCTP", "sctp", "--sctp-service"},
		{0, false, "?", "", "-t"},
		{99, false, "?", "", "-t"},
	} {
		if c.p.Valid() != c.valid || c.p.String() != c.str || c.p.Name() != c.name || c.p.Option() != c.option {
			t.Errorf("%d: got %v %q %q %q", uint16(c.p), c.p.Valid(), c.p.String(), c.p.Name(), c.p.Option())
		}
		if p, ok := parseProtocol(c.str); ok != c.valid || (ok && p != c.p) {
			t.Errorf("parseProtocol(%q) = %d %v", c.str, p, ok)
		}
	}
	// the kernel writes IP for a fwmark template, and only upper case
	for _, s := range []string{"IP", "tcp", ""} {
		if p, ok := parseProtocol(s); ok {
			t.Errorf("parseProtocol(%q) = %d", s, p)
		}
	}
}
