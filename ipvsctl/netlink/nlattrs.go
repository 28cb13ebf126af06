package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink/nl"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

var native = nl.NativeEndian()

// IPVS generic netlink commands and attributes (linux/ip_vs.h).
const (
	cmdNewService = 1
	cmdSetService = 2
	cmdDelService = 3
	cmdGetService = 4
	cmdNewDest    = 5
	cmdSetDest    = 6
	cmdDelDest    = 7
	cmdGetDest    = 8
	cmdNewDaemon  = 9
	cmdDelDaemon  = 10
	cmdGetDaemon  = 11
	cmdSetConfig  = 12
	cmdGetConfig  = 13
	cmdGetInfo    = 15
	cmdZero       = 16
	cmdFlush      = 17

	cmdAttrService       = 1
	cmdAttrDest          = 2
	cmdAttrDaemon        = 3
	cmdAttrTimeoutTCP    = 4
	cmdAttrTimeoutTCPFin = 5
	cmdAttrTimeoutUDP    = 6

	svcAttrAF        = 1
	svcAttrProtocol  = 2
	svcAttrAddr      = 3
	svcAttrPort      = 4
	svcAttrFWMark    = 5
	svcAttrSchedName = 6
	svcAttrFlags     = 7
	svcAttrTimeout   = 8
	svcAttrNetmask   = 9
	svcAttrStats     = 10
	svcAttrPEName    = 11
	svcAttrStats64   = 12

	destAttrAddr         = 1
	destAttrPort         = 2
	destAttrFwdMethod    = 3
	destAttrWeight       = 4
	destAttrUThresh      = 5
	destAttrLThresh      = 6
	destAttrActiveConns  = 7
	destAttrInactConns   = 8
	destAttrPersistConns = 9
	destAttrStats        = 10
	destAttrAddrFamily   = 11
	destAttrStats64      = 12
	destAttrTunType      = 13
	destAttrTunPort      = 14
	destAttrTunFlags     = 15

	daemonAttrState       = 1
	daemonAttrMcastIfn    = 2
	daemonAttrSyncID      = 3
	daemonAttrSyncMaxLen  = 4
	daemonAttrMcastGroup  = 5
	daemonAttrMcastGroup6 = 6
	daemonAttrMcastPort   = 7
	daemonAttrMcastTTL    = 8

	infoAttrVersion     = 1
	infoAttrConnTabSize = 2
)

func u16(v uint16) []byte { b := make([]byte, 2); native.PutUint16(b, v); return b }
func u32(v uint32) []byte { b := make([]byte, 4); native.PutUint32(b, v); return b }
func be16(v uint16) []byte {
	b := make([]byte, 2)
	binary.BigEndian.PutUint16(b, v)
	return b
}

// addr16 is an address as union nf_inet_addr: always 16 bytes, IPv4 in the
// first four, which is what ipvsadm sends.
func addr16(a netip.Addr) []byte {
	b := make([]byte, 16)
	if a.Is4() {
		v := a.As4()
		copy(b, v[:])
	} else if a.IsValid() {
		v := a.As16()
		copy(b, v[:])
	}
	return b
}

// netmaskBytes encodes the persistence mask: IPv4 masks travel as the
// mask's bytes in network order, IPv6 prefix lengths as a native integer.
func netmaskBytes(family uint16, mask uint32) []byte {
	if family == ipvsctl.AFInet6 {
		return u32(mask)
	}
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, mask)
	return b
}

// serviceKeyAttr is the service nest that identifies a service.
func serviceKeyAttr(s *ipvsctl.Service) *nl.RtAttr {
	a := nl.NewRtAttr(cmdAttrService, nil)
	a.AddRtAttr(svcAttrAF, u16(s.Family))
	if s.FWMark != 0 {
		a.AddRtAttr(svcAttrFWMark, u32(s.FWMark))
	} else {
		a.AddRtAttr(svcAttrProtocol, u16(uint16(s.Protocol)))
		a.AddRtAttr(svcAttrAddr, addr16(s.Address))
		a.AddRtAttr(svcAttrPort, be16(s.Port))
	}
	return a
}

// serviceAttr is the full service nest, as ipvsadm sends it for every
// service command.
func serviceAttr(s *ipvsctl.Service) *nl.RtAttr {
	a := serviceKeyAttr(s)
	a.AddRtAttr(svcAttrSchedName, nl.ZeroTerminated(s.Scheduler))
	if s.PEName != "" {
		a.AddRtAttr(svcAttrPEName, nl.ZeroTerminated(s.PEName))
	}
	flags := make([]byte, 8)
	native.PutUint32(flags, s.Flags&^ipvsctl.SvcFlagHashed)
	native.PutUint32(flags[4:], ^uint32(0))
	a.AddRtAttr(svcAttrFlags, flags)
	a.AddRtAttr(svcAttrTimeout, u32(s.Timeout))
	a.AddRtAttr(svcAttrNetmask, netmaskBytes(s.Family, s.Netmask))
	return a
}

func destAttr(d *ipvsctl.Destination) *nl.RtAttr {
	a := nl.NewRtAttr(cmdAttrDest, nil)
	family := d.Family
	if family == 0 {
		family = familyOf(d.Address)
	}
	a.AddRtAttr(destAttrAddrFamily, u16(family))
	a.AddRtAttr(destAttrAddr, addr16(d.Address))
	a.AddRtAttr(destAttrPort, be16(d.Port))
	a.AddRtAttr(destAttrFwdMethod, u32(d.FwdMethod&ipvsctl.FwdMask))
	a.AddRtAttr(destAttrWeight, u32(uint32(d.Weight)))
	a.AddRtAttr(destAttrTunType, []byte{d.TunType})
	a.AddRtAttr(destAttrTunPort, be16(d.TunPort))
	a.AddRtAttr(destAttrTunFlags, u16(d.TunFlags))
	a.AddRtAttr(destAttrUThresh, u32(d.UpperThreshold))
	a.AddRtAttr(destAttrLThresh, u32(d.LowerThreshold))
	return a
}

func daemonAttr(d *ipvsctl.Daemon, full bool) *nl.RtAttr {
	a := nl.NewRtAttr(cmdAttrDaemon, nil)
	a.AddRtAttr(daemonAttrState, u32(d.State))
	a.AddRtAttr(daemonAttrMcastIfn, nl.ZeroTerminated(d.McastIfn))
	a.AddRtAttr(daemonAttrSyncID, u32(d.SyncID))
	if !full {
		return a
	}
	if d.SyncMaxLen != 0 {
		a.AddRtAttr(daemonAttrSyncMaxLen, u16(d.SyncMaxLen))
	}
	if d.McastPort != 0 {
		a.AddRtAttr(daemonAttrMcastPort, u16(d.McastPort))
	}
	if d.McastTTL != 0 {
		a.AddRtAttr(daemonAttrMcastTTL, []byte{d.McastTTL})
	}
	if d.McastGroup.Is6() {
		v := d.McastGroup.As16()
		a.AddRtAttr(daemonAttrMcastGroup6, v[:])
	} else if d.McastGroup.Is4() {
		v := d.McastGroup.As4()
		a.AddRtAttr(daemonAttrMcastGroup, v[:])
	}
	return a
}

func familyOf(a netip.Addr) uint16 {
	if a.Is4() {
		return ipvsctl.AFInet
	}
	return ipvsctl.AFInet6
}

var errShortAttr = errors.New("short netlink attribute")

// attrMap holds one level of attributes by type. IPVS's attribute types
// are small numbers, so an array does what a map would without a heap
// allocation per message (a listing decodes thousands).
type attrMap struct {
	val [attrSlots][]byte
	has uint64
}

const attrSlots = 64

var errBadAttr = errors.New("malformed attribute")

func parseAttrs(b []byte) (attrMap, error) {
	var m attrMap
	for len(b) >= 4 {
		l := int(native.Uint16(b))
		t := native.Uint16(b[2:]) & nlaTypeMask
		if l < 4 || l > len(b) {
			return attrMap{}, fmt.Errorf("parse netlink attributes: %w", errBadAttr)
		}
		if t < attrSlots {
			m.val[t], m.has = b[4:l], m.has|1<<t
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return m, nil
}

// get is the attribute of type t and whether the message had one.
func (m *attrMap) get(t uint16) ([]byte, bool) {
	if t >= attrSlots {
		return nil, false
	}
	return m.val[t], m.has&(1<<t) != 0
}

func (m *attrMap) at(t uint16) []byte {
	v, _ := m.get(t)
	return v
}

func (m *attrMap) u8(t uint16) uint8 {
	if v := m.at(t); len(v) >= 1 {
		return v[0]
	}
	return 0
}
func (m *attrMap) u16(t uint16) uint16 {
	if v := m.at(t); len(v) >= 2 {
		return native.Uint16(v)
	}
	return 0
}
func (m *attrMap) be16(t uint16) uint16 {
	if v := m.at(t); len(v) >= 2 {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}
func (m *attrMap) u32(t uint16) uint32 {
	if v := m.at(t); len(v) >= 4 {
		return native.Uint32(v)
	}
	return 0
}
func (m *attrMap) u64(t uint16) uint64 {
	if v := m.at(t); len(v) >= 8 {
		return native.Uint64(v)
	}
	return 0
}
func (m *attrMap) str(t uint16) string {
	v := m.at(t)
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

func addrFrom(b []byte, family uint16) (netip.Addr, error) {
	if family == ipvsctl.AFInet {
		if len(b) < 4 {
			return netip.Addr{}, errShortAttr
		}
		return netip.AddrFrom4([4]byte(b[:4])), nil
	}
	if len(b) < 16 {
		return netip.Addr{}, errShortAttr
	}
	return netip.AddrFrom16([16]byte(b[:16])), nil
}

// parseStats reads a stats nest; the 64-bit nest has every counter as u64,
// the old one only the byte counters.
func parseStats(b []byte, wide bool) (ipvsctl.Stats, error) {
	m, err := parseAttrs(b)
	if err != nil {
		return ipvsctl.Stats{}, err
	}
	get := m.u32w
	if wide {
		get = m.u64
	}
	return ipvsctl.Stats{
		Conns: get(1), InPkts: get(2), OutPkts: get(3),
		InBytes: m.u64(4), OutBytes: m.u64(5),
		CPS: get(6), InPPS: get(7), OutPPS: get(8), InBPS: get(9), OutBPS: get(10),
	}, nil
}

func (m *attrMap) u32w(t uint16) uint64 { return uint64(m.u32(t)) }

func decodeService(payload []byte) (ipvsctl.Service, error) {
	top, err := parseAttrs(payload)
	if err != nil {
		return ipvsctl.Service{}, err
	}
	nest, ok := top.get(cmdAttrService)
	if !ok {
		return ipvsctl.Service{}, errors.New("service message without service attribute")
	}
	m, err := parseAttrs(nest)
	if err != nil {
		return ipvsctl.Service{}, err
	}
	s := ipvsctl.Service{
		Family:    m.u16(svcAttrAF),
		Protocol:  ipvsctl.Protocol(m.u16(svcAttrProtocol)),
		Port:      m.be16(svcAttrPort),
		FWMark:    m.u32(svcAttrFWMark),
		Scheduler: m.str(svcAttrSchedName),
		Timeout:   m.u32(svcAttrTimeout),
		PEName:    m.str(svcAttrPEName),
	}
	if f := m.at(svcAttrFlags); len(f) >= 8 {
		s.Flags = native.Uint32(f) & native.Uint32(f[4:]) &^ ipvsctl.SvcFlagHashed
	}
	if nm := m.at(svcAttrNetmask); len(nm) >= 4 {
		if s.Family == ipvsctl.AFInet6 {
			s.Netmask = native.Uint32(nm)
		} else {
			s.Netmask = binary.BigEndian.Uint32(nm)
		}
	}
	if a, ok := m.get(svcAttrAddr); ok && s.FWMark == 0 {
		if s.Address, err = addrFrom(a, s.Family); err != nil {
			return ipvsctl.Service{}, err
		}
	}
	if st, ok := m.get(svcAttrStats64); ok {
		s.Stats, err = parseStats(st, true)
	} else if st, ok := m.get(svcAttrStats); ok {
		s.Stats, err = parseStats(st, false)
	}
	return s, err
}

// decodeDestination reads one destination; without an address-family
// attribute (kernels before 3.18) it has the service's family.
func decodeDestination(payload []byte, svcFamily uint16) (ipvsctl.Destination, error) {
	top, err := parseAttrs(payload)
	if err != nil {
		return ipvsctl.Destination{}, err
	}
	nest, ok := top.get(cmdAttrDest)
	if !ok {
		return ipvsctl.Destination{}, errors.New("destination message without destination attribute")
	}
	m, err := parseAttrs(nest)
	if err != nil {
		return ipvsctl.Destination{}, err
	}
	d := ipvsctl.Destination{
		Port:           m.be16(destAttrPort),
		FwdMethod:      m.u32(destAttrFwdMethod),
		Weight:         int32(m.u32(destAttrWeight)),
		UpperThreshold: m.u32(destAttrUThresh),
		LowerThreshold: m.u32(destAttrLThresh),
		ActiveConns:    m.u32(destAttrActiveConns),
		InactConns:     m.u32(destAttrInactConns),
		PersistConns:   m.u32(destAttrPersistConns),
		TunType:        m.u8(destAttrTunType),
		TunPort:        m.be16(destAttrTunPort),
		TunFlags:       m.u16(destAttrTunFlags),
		Family:         svcFamily,
	}
	if _, ok := m.get(destAttrAddrFamily); ok {
		d.Family = m.u16(destAttrAddrFamily)
	}
	if d.Address, err = addrFrom(m.at(destAttrAddr), d.Family); err != nil {
		return ipvsctl.Destination{}, err
	}
	if st, ok := m.get(destAttrStats64); ok {
		d.Stats, err = parseStats(st, true)
	} else if st, ok := m.get(destAttrStats); ok {
		d.Stats, err = parseStats(st, false)
	}
	return d, err
}

func decodeDaemon(payload []byte) (ipvsctl.Daemon, error) {
	top, err := parseAttrs(payload)
	if err != nil {
		return ipvsctl.Daemon{}, err
	}
	m, err := parseAttrs(top.at(cmdAttrDaemon))
	if err != nil {
		return ipvsctl.Daemon{}, err
	}
	d := ipvsctl.Daemon{
		State:      m.u32(daemonAttrState),
		McastIfn:   m.str(daemonAttrMcastIfn),
		SyncID:     m.u32(daemonAttrSyncID),
		SyncMaxLen: m.u16(daemonAttrSyncMaxLen),
		McastPort:  m.u16(daemonAttrMcastPort),
		McastTTL:   m.u8(daemonAttrMcastTTL),
	}
	if g := m.at(daemonAttrMcastGroup); len(g) >= 4 {
		d.McastGroup = netip.AddrFrom4([4]byte(g[:4]))
	} else if g := m.at(daemonAttrMcastGroup6); len(g) >= 16 {
		d.McastGroup = netip.AddrFrom16([16]byte(g[:16]))
	}
	return d, nil
}
