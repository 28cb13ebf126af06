package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink/nl"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// IPVS's generic netlink vocabulary: command and attribute numbers, and
// the primitives that write and read attributes (encode.go and decode.go
// use them for the model's values).

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
