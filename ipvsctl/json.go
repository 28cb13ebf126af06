package ipvsctl

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strings"
)

// The JSON form of the model's values, the pieces every --json document
// (docs/json.md) is built from: the ipvsadm package's listings, lvsctl
// diff and apply, ldirectord's status. Field names are a contract: add
// fields, never rename or retype them without bumping JSONSchemaVersion.
// Addresses are numeric strings (no DNS: machines read this), numbers are
// JSON numbers, absent things are null rather than missing.

// JSONSchemaVersion is every document's schema_version.
const JSONSchemaVersion = 1

// JSONInfo is the IPVS banner of -L.
type JSONInfo struct {
	Version     string `json:"version"`
	ConnTabSize uint32 `json:"conn_tab_size"`
}

// JSONStats are cumulative counters (--stats).
type JSONStats struct {
	Conns      uint64 `json:"conns"`
	InPackets  uint64 `json:"in_packets"`
	OutPackets uint64 `json:"out_packets"`
	InBytes    uint64 `json:"in_bytes"`
	OutBytes   uint64 `json:"out_bytes"`
}

// JSONRate is the kernel's rate estimate (--rate), per second.
type JSONRate struct {
	CPS    uint64 `json:"cps"`
	InPPS  uint64 `json:"in_pps"`
	OutPPS uint64 `json:"out_pps"`
	InBPS  uint64 `json:"in_bps"`
	OutBPS uint64 `json:"out_bps"`
}

// JSONServiceConfig is a service's identity and configuration: what -A
// sets. Other documents (diff, ldirectord status) embed it.
type JSONServiceConfig struct {
	Family             string   `json:"family"`   // inet, inet6
	Protocol           *string  `json:"protocol"` // tcp, udp, sctp; null for fwmark
	Address            *string  `json:"address"`  // null for fwmark
	Port               uint16   `json:"port"`     // 0 for fwmark
	FWMark             uint32   `json:"fwmark"`   // 0 unless fwmark
	Scheduler          string   `json:"scheduler"`
	SchedFlags         []string `json:"sched_flags"`
	Persistent         bool     `json:"persistent"`
	PersistenceTimeout uint32   `json:"persistence_timeout"`
	Netmask            string   `json:"netmask"`
	PrefixLength       *int     `json:"prefix_length"` // null for a non-contiguous IPv4 mask
	OnePacket          bool     `json:"one_packet"`
	PE                 *string  `json:"pe"`
}

// JSONService is one service of -L --json with its live data.
type JSONService struct {
	JSONServiceConfig
	Stats        JSONStats         `json:"stats"`
	Rate         JSONRate          `json:"rate"`
	Destinations []JSONDestination `json:"destinations"`
}

// JSONTunnel is a tunnel destination's encapsulation.
type JSONTunnel struct {
	Type string  `json:"type"` // ipip, gue, gre
	Port *uint16 `json:"port"` // gue only
	Csum *string `json:"csum"` // nocsum, csum, remcsum; null for ipip
}

// JSONDestinationConfig is a real server's identity and configuration:
// what -a sets.
type JSONDestinationConfig struct {
	Family         string      `json:"family"`
	Address        string      `json:"address"`
	Port           uint16      `json:"port"`
	Forward        string      `json:"forward"` // masq, local, tunnel, route
	Weight         int32       `json:"weight"`
	UpperThreshold uint32      `json:"upper_threshold"`
	LowerThreshold uint32      `json:"lower_threshold"`
	Tunnel         *JSONTunnel `json:"tunnel"` // null unless forward is tunnel
}

// JSONDestination is one real server of -L --json with its live data.
type JSONDestination struct {
	JSONDestinationConfig
	ActiveConns     uint32    `json:"active_conns"`
	InactiveConns   uint32    `json:"inactive_conns"`
	PersistentConns uint32    `json:"persistent_conns"`
	Stats           JSONStats `json:"stats"`
	Rate            JSONRate  `json:"rate"`
}

// JSONConnection is one entry of -Lc --json.
type JSONConnection struct {
	Protocol           string  `json:"protocol"` // tcp, udp, sctp (lower case)
	ClientAddress      string  `json:"client_address"`
	ClientPort         uint16  `json:"client_port"`
	VirtualAddress     string  `json:"virtual_address"`
	VirtualPort        uint16  `json:"virtual_port"`
	DestinationAddress string  `json:"destination_address"`
	DestinationPort    uint16  `json:"destination_port"`
	State              string  `json:"state"`
	Expires            int     `json:"expires"` // seconds
	Template           bool    `json:"template"`
	PEName             *string `json:"pe_name"`
	PEData             *string `json:"pe_data"`
}

// JSONDaemon is one sync daemon; 0 means the kernel's default.
type JSONDaemon struct {
	State          string  `json:"state"` // master, backup
	McastInterface string  `json:"mcast_interface"`
	SyncID         uint32  `json:"syncid"`
	SyncMaxLen     uint16  `json:"sync_maxlen"`
	McastGroup     *string `json:"mcast_group"`
	McastPort      uint16  `json:"mcast_port"`
	McastTTL       uint8   `json:"mcast_ttl"`
}

func ptr[T any](v T) *T { return &v }

// FamilyName is a family as the JSON documents write it: "inet" or "inet6".
func FamilyName(f uint16) string {
	if f == AFInet6 {
		return "inet6"
	}
	return "inet"
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.Unmap().WithZone("").String()
}

// ServiceConfigJSON renders a service's identity and configuration.
func ServiceConfigJSON(s *Service) JSONServiceConfig {
	j := JSONServiceConfig{
		Family:     FamilyName(s.Family),
		Scheduler:  s.Scheduler,
		SchedFlags: []string{},
		Persistent: s.Flags&SvcFlagPersistent != 0,
		OnePacket:  s.Flags&SvcFlagOnePacket != 0,
	}
	if s.FWMark != 0 {
		j.FWMark = s.FWMark
	} else {
		j.Protocol = ptr(strings.ToLower(s.Protocol.String()))
		j.Address = ptr(addrString(s.Address))
		j.Port = s.Port
	}
	if f := s.SchedFlagWords(); f != nil {
		j.SchedFlags = f
	}
	if j.Persistent {
		j.PersistenceTimeout = s.Timeout
	}
	j.Netmask, j.PrefixLength = netmaskJSON(s.Family, s.Netmask)
	if s.PEName != "" {
		j.PE = ptr(s.PEName)
	}
	return j
}

// netmaskJSON writes the persistence mask in the service's family, plus
// its prefix length when it has one.
func netmaskJSON(family uint16, m uint32) (string, *int) {
	if family == AFInet6 {
		n := int(m)
		if n > 128 {
			n = 128
		}
		var b [16]byte
		for i := 0; i < n; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom16(b).String(), ptr(n)
	}
	mask := netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
	ones := bits.LeadingZeros32(^m)
	if m != ^uint32(0)<<(32-ones) {
		return mask, nil
	}
	return mask, ptr(ones)
}

var fwdJSONNames = map[uint32]string{FwdMasq: "masq", FwdLocal: "local", FwdTunnel: "tunnel", FwdRoute: "route"}

// DestinationConfigJSON renders a real server's identity and
// configuration.
func DestinationConfigJSON(d *Destination) JSONDestinationConfig {
	j := JSONDestinationConfig{
		Family:         FamilyName(d.Family),
		Address:        addrString(d.Address),
		Port:           d.Port,
		Forward:        fwdJSONNames[d.FwdMethod&FwdMask],
		Weight:         d.Weight,
		UpperThreshold: d.UpperThreshold,
		LowerThreshold: d.LowerThreshold,
	}
	if j.Forward == "" {
		j.Forward = fmt.Sprintf("unknown-%d", d.FwdMethod&FwdMask)
	}
	if d.FwdMethod&FwdMask == FwdTunnel {
		csum := "nocsum" // flags the kernel does not define read as none, as in ipvsadm's listing
		if names := [...]string{TunFlagNoCsum: "nocsum", TunFlagCsum: "csum", TunFlagRemCsum: "remcsum"}; int(d.TunFlags) < len(names) {
			csum = names[d.TunFlags]
		}
		switch d.TunType {
		case TunGUE:
			j.Tunnel = &JSONTunnel{Type: "gue", Port: ptr(d.TunPort), Csum: &csum}
		case TunGRE:
			j.Tunnel = &JSONTunnel{Type: "gre", Csum: &csum}
		default:
			j.Tunnel = &JSONTunnel{Type: "ipip"}
		}
	}
	return j
}

func statsJSON(s *Stats) (JSONStats, JSONRate) {
	return JSONStats{s.Conns, s.InPkts, s.OutPkts, s.InBytes, s.OutBytes},
		JSONRate{s.CPS, s.InPPS, s.OutPPS, s.InBPS, s.OutBPS}
}

// ServiceJSON renders a service, its destinations and their counters.
func ServiceJSON(s *Service, dests []Destination) JSONService {
	j := JSONService{JSONServiceConfig: ServiceConfigJSON(s), Destinations: make([]JSONDestination, 0, len(dests))}
	j.Stats, j.Rate = statsJSON(&s.Stats)
	for i := range dests {
		d := &dests[i]
		jd := JSONDestination{
			JSONDestinationConfig: DestinationConfigJSON(d),
			ActiveConns:           d.ActiveConns,
			InactiveConns:         d.InactConns,
			PersistentConns:       d.PersistConns,
		}
		jd.Stats, jd.Rate = statsJSON(&d.Stats)
		j.Destinations = append(j.Destinations, jd)
	}
	return j
}

// ConnectionJSON renders one connection entry.
func ConnectionJSON(c *Conn) JSONConnection {
	j := JSONConnection{
		Protocol:           strings.ToLower(c.Protocol),
		ClientAddress:      addrString(c.Client),
		ClientPort:         c.ClientPort,
		VirtualAddress:     addrString(c.Virtual),
		VirtualPort:        c.VPort,
		DestinationAddress: addrString(c.Dest),
		DestinationPort:    c.DestPort,
		State:              c.State,
		Expires:            c.Expires,
		Template:           c.IsTemplate(),
	}
	if c.Fields > 9 {
		j.PEName = ptr(c.PEName)
	}
	if c.Fields > 10 {
		j.PEData = ptr(c.PEData)
	}
	return j
}

// DaemonJSON renders one sync daemon; ok is false for an idle slot.
func DaemonJSON(d *Daemon) (JSONDaemon, bool) {
	j := JSONDaemon{McastInterface: d.McastIfn, SyncID: d.SyncID, SyncMaxLen: d.SyncMaxLen,
		McastPort: d.McastPort, McastTTL: d.McastTTL}
	state, ok := d.StateName()
	if !ok {
		return j, false
	}
	j.State = state
	if d.McastGroup.IsValid() {
		j.McastGroup = ptr(addrString(d.McastGroup))
	}
	return j, true
}
