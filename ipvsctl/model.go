package ipvsctl

import (
	"fmt"
	"net/netip"
	"syscall"
)

// Address families, as the kernel numbers them.
const (
	AFInet  uint16 = syscall.AF_INET
	AFInet6 uint16 = syscall.AF_INET6
)

// Service flags (IP_VS_SVC_F_*).
const (
	SvcFlagPersistent uint32 = 0x0001
	SvcFlagHashed     uint32 = 0x0002 // set by the kernel; never part of our model
	SvcFlagOnePacket  uint32 = 0x0004
	SvcFlagSchedFlag1 uint32 = 0x0008 // sh-fallback / mh-fallback
	SvcFlagSchedFlag2 uint32 = 0x0010 // sh-port / mh-port
	SvcFlagSchedFlag3 uint32 = 0x0020
)

// Forwarding methods (IP_VS_CONN_F_FWD_MASK values).
const (
	FwdMasq   uint32 = 0
	FwdLocal  uint32 = 1
	FwdTunnel uint32 = 2
	FwdRoute  uint32 = 3
	FwdMask   uint32 = 0x7
)

var fwdNames = [...]string{FwdMasq: "Masq", FwdLocal: "Local", FwdTunnel: "Tunnel", FwdRoute: "Route"}

// FwdName is a forwarding method's name as the kernel's /proc/net/ip_vs
// and ipvsadm -L write it (Masq, Local, Tunnel, Route); ok is false for
// bits that are no method.
func FwdName(m uint32) (name string, ok bool) {
	if m &= FwdMask; int(m) < len(fwdNames) {
		return fwdNames[m], true
	}
	return "", false
}

// Tunnel types for FwdTunnel destinations (IP_VS_CONN_F_TUNNEL_TYPE_*).
const (
	TunIPIP uint8 = 0
	TunGUE  uint8 = 1
	TunGRE  uint8 = 2
)

// Tunnel flags (IP_VS_TUNNEL_ENCAP_FLAG_*).
const (
	TunFlagNoCsum  uint16 = 0
	TunFlagCsum    uint16 = 1 << 0
	TunFlagRemCsum uint16 = 1 << 1
)

// Stats are a service's or destination's counters and rate estimates, in
// the kernel's 64-bit form.
type Stats struct {
	Conns    uint64
	InPkts   uint64
	OutPkts  uint64
	InBytes  uint64
	OutBytes uint64
	CPS      uint64
	InPPS    uint64
	OutPPS   uint64
	InBPS    uint64
	OutBPS   uint64
}

// Service is one IPVS virtual service. Identity is (Family, Protocol,
// Address, Port) or (Family, FWMark); the rest is configuration, except
// Stats and NumDests which only listings fill.
type Service struct {
	Family    uint16
	Protocol  Protocol // 0 for fwmark services
	Address   netip.Addr
	Port      uint16
	FWMark    uint32
	Scheduler string
	Flags     uint32 // SvcFlag*; never includes SvcFlagHashed
	Timeout   uint32 // persistence timeout in seconds
	// Netmask is the persistence granularity: for IPv4 the mask as a
	// host-order integer (0xffffff00 is 255.255.255.0), for IPv6 the prefix
	// length.
	Netmask uint32
	PEName  string

	Stats    Stats
	NumDests uint32
}

// HostNetmask is the persistence granularity of one client, ipvsadm's
// default when -M is not given: 255.255.255.255 for IPv4, /128 for IPv6.
func HostNetmask(family uint16) uint32 {
	if family == AFInet6 {
		return 128
	}
	return 0xffffffff
}

// Destination is one real server of a service. ActiveConns, InactConns,
// PersistConns and Stats are only filled by listings.
type Destination struct {
	Family         uint16
	Address        netip.Addr
	Port           uint16
	FwdMethod      uint32 // Fwd*
	Weight         int32
	UpperThreshold uint32
	LowerThreshold uint32
	TunType        uint8
	TunPort        uint16
	TunFlags       uint16

	ActiveConns  uint32
	InactConns   uint32
	PersistConns uint32
	Stats        Stats
}

// SchedFlagNames names the service's scheduler flags as ipvsadm -L and -S
// print them: sh and mh have their own names (sh-fallback, sh-port) and
// leave flag 3 unnamed, the other schedulers flag-1 to flag-3. It is nil
// when no named flag is set.
func (s *Service) SchedFlagNames() []string {
	return s.schedFlagNames(false)
}

// SchedFlagWords names every scheduler flag set, flag 3 of sh and mh
// included, in words ipvsadm's -b reads back.
func (s *Service) SchedFlagWords() []string {
	return s.schedFlagNames(true)
}

func (s *Service) schedFlagNames(all bool) []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	f1, f2, f3 := s.Flags&SvcFlagSchedFlag1 != 0, s.Flags&SvcFlagSchedFlag2 != 0, s.Flags&SvcFlagSchedFlag3 != 0
	switch s.Scheduler {
	case "sh", "mh":
		add(f1, s.Scheduler+"-fallback")
		add(f2, s.Scheduler+"-port")
		add(f3 && all, "flag-3")
	default:
		add(f1, "flag-1")
		add(f2, "flag-2")
		add(f3, "flag-3")
	}
	return out
}

// ServiceKey identifies a service the way the kernel does.
type ServiceKey struct {
	Family   uint16
	Protocol Protocol
	Address  netip.Addr
	Port     uint16
	FWMark   uint32
}

// Key returns the service's identity.
func (s *Service) Key() ServiceKey {
	if s.FWMark != 0 {
		return ServiceKey{Family: s.Family, FWMark: s.FWMark}
	}
	return ServiceKey{Family: s.Family, Protocol: s.Protocol, Address: s.Address, Port: s.Port}
}

// Equal reports whether two services have the same identity and
// configuration; counters are ignored.
func (s *Service) Equal(o *Service) bool {
	return s.Key() == o.Key() &&
		s.Scheduler == o.Scheduler &&
		s.Flags&^SvcFlagHashed == o.Flags&^SvcFlagHashed &&
		s.Timeout == o.Timeout &&
		s.Netmask == o.Netmask &&
		s.PEName == o.PEName
}

// String names the service the way ipvsadm -S -n does (-t 10.0.0.1:80).
func (s *Service) String() string {
	k := s.Key()
	return k.String()
}

// String names the key the way ipvsadm -S -n does (-t 10.0.0.1:80, -f 1).
func (k ServiceKey) String() string {
	if k.FWMark != 0 {
		if k.Family == AFInet6 {
			return fmt.Sprintf("-f %d -6", k.FWMark)
		}
		return fmt.Sprintf("-f %d", k.FWMark)
	}
	return k.Protocol.Option() + " " + netip.AddrPortFrom(k.Address, k.Port).String()
}

// DestinationKey identifies a destination within its service.
type DestinationKey struct {
	Address netip.Addr
	Port    uint16
}

// Key returns the destination's identity within its service.
func (d *Destination) Key() DestinationKey {
	return DestinationKey{Address: d.Address, Port: d.Port}
}

// Equal reports whether two destinations have the same identity and
// configuration; counters are ignored.
func (d *Destination) Equal(o *Destination) bool {
	return d.Key() == o.Key() &&
		d.FwdMethod&FwdMask == o.FwdMethod&FwdMask &&
		d.Weight == o.Weight &&
		d.UpperThreshold == o.UpperThreshold &&
		d.LowerThreshold == o.LowerThreshold &&
		d.TunType == o.TunType &&
		d.TunPort == o.TunPort &&
		d.TunFlags == o.TunFlags
}

// String names the destination as ipvsadm -S -n does (-r 10.0.0.2:80).
func (d *Destination) String() string {
	return "-r " + netip.AddrPortFrom(d.Address, d.Port).String()
}

// VirtualService is a service with its destinations: one block of a table.
type VirtualService struct {
	Service      Service
	Destinations []Destination
}
