package ldconf

import (
	"net/netip"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Table returns the IPVS table the configuration asks for once every real
// server is healthy: one entry per virtual service ldirectord would create,
// in configuration order, with its real servers as the kernel stores them
// (gate and ipip servers of an address virtual take its port). A virtual
// without real servers holds its fallback server, as ldirectord leaves it.
// What ipvsadm or the kernel would refuse (Virtual.Rejected,
// Real.Rejected) is left out. Two virtuals that the kernel sees as one
// service (fwmark 7 and 007) are merged, the first one's settings winning.
// Two servers that the kernel sees as one: if written alike, the last
// one's settings win (ldirectord edits the entry); if only the kernel's
// port mapping makes them one, the first wins (ldirectord's second add
// fails).
func (c *Config) Table() []ipvsctl.VirtualService {
	var out []ipvsctl.VirtualService
	type entry struct {
		i     int                            // index in out
		dests map[ipvsctl.DestinationKey]int // index in its Destinations
		// written is the port each destination was written with.
		written []uint16
	}
	index := map[ipvsctl.ServiceKey]*entry{}
	for _, v := range c.Virtuals {
		if v.Rejected != "" {
			continue
		}
		svc := v.service()
		e, ok := index[svc.Key()]
		if !ok {
			e = &entry{i: len(out), dests: map[ipvsctl.DestinationKey]int{}}
			index[svc.Key()] = e
			out = append(out, ipvsctl.VirtualService{Service: svc})
		}
		vs := &out[e.i]
		// put adds d, or replaces the destination with the same key in
		// place.
		put := func(d ipvsctl.Destination, written uint16) {
			if j, ok := e.dests[d.Key()]; ok {
				if e.written[j] == written {
					vs.Destinations[j] = d
				}
				return
			}
			e.dests[d.Key()] = len(vs.Destinations)
			e.written = append(e.written, written)
			vs.Destinations = append(vs.Destinations, d)
		}
		if len(v.Reals) == 0 && v.Fallback != nil {
			put(v.dest(v.Fallback.Address, v.Fallback.Port, v.Fallback.Forward, 1, 0, 0), v.Fallback.Port)
		}
		for _, r := range v.Reals {
			if r.Rejected == "" {
				put(v.dest(r.Address, r.Port, r.Forward, int32(r.Weight), uint32(r.UpperThreshold), uint32(r.LowerThreshold)), r.Port)
			}
		}
	}
	return out
}

// service is the virtual's ipvsadm -A arguments as a kernel service.
func (v *Virtual) service() ipvsctl.Service {
	s := ipvsctl.Service{Family: ipvsctl.AFInet, Scheduler: v.Scheduler}
	if v.Family == IPv6 {
		s.Family = ipvsctl.AFInet6
	}
	// ipvsadm's default when ldirectord passes no -M; a netmask directive
	// replaces it below, 0.0.0.0 included.
	s.Netmask = ipvsctl.HostNetmask(s.Family)
	switch v.Protocol {
	case FWM:
		s.FWMark = uint32(v.FWMark)
	case TCP, UDP:
		s.Protocol = ipvsctl.ProtoTCP
		if v.Protocol == UDP {
			s.Protocol = ipvsctl.ProtoUDP
			if v.OPS {
				s.Flags |= ipvsctl.SvcFlagOnePacket
			}
		}
		s.Address, s.Port = v.Address, v.Port
	}
	if v.Persistent {
		s.Flags |= ipvsctl.SvcFlagPersistent
		s.Timeout = uint32(v.PersistentTimeout.Seconds())
		if v.Netmask != "" {
			s.Netmask = netmaskValue(v.Netmask, v.Family)
		}
	}
	flags, _ := schedFlags(v.SchedFlags, v.Scheduler)
	s.Flags |= flags
	return s
}

// netmaskValue is -M as ipvsadm reads it: inet_aton for IPv4 (as a
// host-order integer), a prefix length for IPv6.
func netmaskValue(m string, fam Family) uint32 {
	if fam == IPv6 {
		return uint32(digitsValue(m))
	}
	a, _ := inetAton(m)
	return addrToUint32(a)
}

// dest is a server as the kernel stores it: for an address virtual, gate
// and ipip servers take the virtual's port; masq servers and servers of
// firewall marks keep theirs (0 if none was written).
func (v *Virtual) dest(a netip.Addr, port uint16, fwd Forward, weight int32, upper, lower uint32) ipvsctl.Destination {
	d := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: a, Port: port, Weight: weight, UpperThreshold: upper, LowerThreshold: lower}
	if a.Is6() {
		d.Family = ipvsctl.AFInet6
	}
	if v.Protocol != FWM && fwd != Masq {
		d.Port = v.Port
	}
	switch fwd {
	case Gate:
		d.FwdMethod = ipvsctl.FwdRoute
	case Masq:
		d.FwdMethod = ipvsctl.FwdMasq
	case IPIP:
		d.FwdMethod, d.TunType = ipvsctl.FwdTunnel, ipvsctl.TunIPIP
	}
	return d
}
