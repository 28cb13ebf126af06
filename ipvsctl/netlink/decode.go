package netlink

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The kernel's answers as the model.

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
