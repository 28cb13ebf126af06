package ipvsctl

import "syscall"

// Protocol is a virtual service's IP protocol number; fwmark services
// have none (0).
type Protocol uint16

// The protocols IPVS balances.
const (
	ProtoTCP  Protocol = syscall.IPPROTO_TCP
	ProtoUDP  Protocol = syscall.IPPROTO_UDP
	ProtoSCTP Protocol = 132
)

// protocols holds each protocol's names in the forms their readers
// expect: the kernel's listings, /etc/services and ipvsadm's options.
var protocols = [...]struct {
	proto        Protocol
	upper, lower string
	option       string
}{
	{ProtoTCP, "TCP", "tcp", "-t"},
	{ProtoUDP, "UDP", "udp", "-u"},
	{ProtoSCTP, "SCTP", "sctp", "--sctp-service"},
}

func (p Protocol) index() int {
	for i := range protocols {
		if protocols[i].proto == p {
			return i
		}
	}
	return -1
}

// Valid reports whether IPVS knows the protocol.
func (p Protocol) Valid() bool { return p.index() >= 0 }

// String is the name the kernel's listings and ipvsadm print (TCP, UDP,
// SCTP), or ipvsadm's "?" for a number IPVS does not know.
func (p Protocol) String() string {
	if i := p.index(); i >= 0 {
		return protocols[i].upper
	}
	return "?"
}

// Name is the lower-case name /etc/services, lvsctl's JSON documents and
// metric labels use (tcp, udp, sctp), or "" for a number IPVS does not
// know.
func (p Protocol) Name() string {
	if i := p.index(); i >= 0 {
		return protocols[i].lower
	}
	return ""
}

// Option is the ipvsadm option that names a service of the protocol (-t,
// -u, --sctp-service); -t for a number IPVS does not know.
func (p Protocol) Option() string {
	if i := p.index(); i >= 0 {
		return protocols[i].option
	}
	return "-t"
}

// parseProtocol reads a name as String writes it; ok is false for any
// other text (the kernel writes IP for a fwmark template).
func parseProtocol(name string) (Protocol, bool) {
	for i := range protocols {
		if protocols[i].upper == name {
			return protocols[i].proto, true
		}
	}
	return 0, false
}
