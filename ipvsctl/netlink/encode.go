package netlink

import (
	"encoding/binary"
	"net/netip"

	"github.com/vishvananda/netlink/nl"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The model as the attributes of IPVS requests, as ipvsadm sends them.

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
