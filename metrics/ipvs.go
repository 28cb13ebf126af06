package metrics

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// ServiceLabels names a virtual service: protocol (tcp, udp, sctp, fwm;
// fwm6 for an IPv6 firewall-mark service, whose mark may also exist for
// IPv4) and service (the address and port, or the mark).
func ServiceLabels(s *ipvsctl.Service) []Label {
	if s.FWMark != 0 {
		proto := "fwm"
		if s.Family == ipvsctl.AFInet6 {
			proto = "fwm6"
		}
		return L("protocol", proto, "service", strconv.FormatUint(uint64(s.FWMark), 10))
	}
	proto := s.Protocol.Name()
	if proto == "" {
		proto = "tcp" // a number IPVS does not know: the kernel never lists one
	}
	return L("protocol", proto, "service", netip.AddrPortFrom(s.Address, s.Port).String())
}

// RealLabels are the service's labels plus real.
func RealLabels(s *ipvsctl.Service, d *ipvsctl.Destination) []Label {
	return withLabel(ServiceLabels(s), "real", netip.AddrPortFrom(d.Address, d.Port).String())
}

// CollectIPVS adds the kernel's table to s: per service and per real
// server the counters, the kernel's rate estimates, and for reals the
// weight and connection counts.
func CollectIPVS(s *Set, c ipvsctl.Client) error {
	svcs, err := c.Services()
	if err != nil {
		return fmt.Errorf("metrics: list services: %w", err)
	}
	ipvsctl.SortServices(svcs)
	info := s.Family("lvs_service_info", Gauge, "Configuration of a virtual service; always 1.")
	timeout := s.Family("lvs_service_persistence_timeout_seconds", Gauge, "Persistence timeout of a virtual service, 0 if not persistent.")
	for i := range svcs {
		svc := &svcs[i]
		sl := ServiceLabels(svc)
		info.Add(1, withLabel(sl, "scheduler", svc.Scheduler))
		pt := 0.0
		if svc.Flags&ipvsctl.SvcFlagPersistent != 0 {
			pt = float64(svc.Timeout)
		}
		timeout.Add(pt, sl)
		addStats(s, "lvs_service", "virtual service", &svc.Stats, sl)
		dests, err := c.Destinations(svc)
		if err != nil {
			return fmt.Errorf("metrics: list real servers of %s: %w", svc, err)
		}
		for j := range dests {
			d := &dests[j]
			rl := RealLabels(svc, d)
			addStats(s, "lvs_real", "real server", &d.Stats, rl)
			s.Family("lvs_real_weight", Gauge, "Weight of a real server (0: quiesced).").Add(float64(d.Weight), rl)
			s.Family("lvs_real_active_connections", Gauge, "Active connections to a real server.").AddUint(uint64(d.ActiveConns), rl)
			s.Family("lvs_real_inactive_connections", Gauge, "Inactive connections to a real server.").AddUint(uint64(d.InactConns), rl)
			s.Family("lvs_real_persistent_connections", Gauge, "Persistence templates pointing at a real server.").AddUint(uint64(d.PersistConns), rl)
		}
	}
	return nil
}

func addStats(s *Set, prefix, what string, st *ipvsctl.Stats, labels []Label) {
	in, out := withLabel(labels, "direction", "in"), withLabel(labels, "direction", "out")
	s.Family(prefix+"_connections_total", Counter, "Connections scheduled to the "+what+".").AddUint(st.Conns, labels)
	pk := s.Family(prefix+"_packets_total", Counter, "Packets through the "+what+" by direction.")
	pk.AddUint(st.InPkts, in)
	pk.AddUint(st.OutPkts, out)
	by := s.Family(prefix+"_bytes_total", Counter, "Bytes through the "+what+" by direction.")
	by.AddUint(st.InBytes, in)
	by.AddUint(st.OutBytes, out)
	s.Family(prefix+"_connections_per_second", Gauge, "The kernel's estimate of new connections per second to the "+what+".").AddUint(st.CPS, labels)
	pr := s.Family(prefix+"_packets_per_second", Gauge, "The kernel's estimate of packets per second through the "+what+".")
	pr.AddUint(st.InPPS, in)
	pr.AddUint(st.OutPPS, out)
	br := s.Family(prefix+"_bytes_per_second", Gauge, "The kernel's estimate of bytes per second through the "+what+".")
	br.AddUint(st.InBPS, in)
	br.AddUint(st.OutBPS, out)
}
