package ipvsadm

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

const schedFlagsMask = ipvsctl.SvcFlagSchedFlag1 | ipvsctl.SvcFlagSchedFlag2 | ipvsctl.SvcFlagSchedFlag3

func ipv4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func (p *Printer) serviceName(s *ipvsctl.Service) string {
	rule := p.Format&FmtRule != 0
	if s.FWMark != 0 {
		m := int64(int32(s.FWMark))
		if p.runnable {
			m = int64(s.FWMark)
		}
		switch {
		case rule && s.Family == ipvsctl.AFInet6:
			return fmt.Sprintf("-f %d -6", m)
		case rule:
			return fmt.Sprintf("-f %d", m)
		case s.Family == ipvsctl.AFInet6:
			return fmt.Sprintf("FWM  %d IPv6", m)
		default:
			return fmt.Sprintf("FWM  %d", m)
		}
	}
	vname := p.addrPort(s.Family, s.Address, s.Port, s.Protocol)
	if rule {
		opt := "--xxx-service" // ipvsadm's word for a protocol it does not know
		if s.Protocol.Valid() {
			opt = s.Protocol.Option()
		}
		return opt + " " + vname
	}
	name := fmt.Sprintf("%-4s %s", s.Protocol.String(), vname)
	if s.Family != ipvsctl.AFInet6 && len(name) > 33 {
		name = name[:33]
	}
	return name
}

// persistenceMask renders the persistence granularity when it is not the
// default (/32 for IPv4, /128 for IPv6).
func persistenceMask(s *ipvsctl.Service) (string, bool) {
	switch {
	case s.Family == ipvsctl.AFInet && s.Netmask != ipvsctl.HostNetmask(ipvsctl.AFInet):
		return ipv4String(s.Netmask), true
	case s.Family == ipvsctl.AFInet6 && s.Netmask != ipvsctl.HostNetmask(ipvsctl.AFInet6):
		return strconv.Itoa(int(int32(s.Netmask))), true
	}
	return "", false
}

// Service prints one service and its destinations (sorted unless the
// format says nosort).
func (p *Printer) Service(s *ipvsctl.Service, dests []ipvsctl.Destination) {
	f := p.Format
	name := p.serviceName(s)
	switch {
	case f&FmtRule != 0:
		b := append(append(append(p.line[:0], "-A "...), name...), " -s "...)
		b = append(b, s.Scheduler...)
		if s.Flags&ipvsctl.SvcFlagPersistent != 0 {
			b = strconv.AppendUint(append(b, " -p "...), uint64(s.Timeout), 10)
			if m, ok := persistenceMask(s); ok {
				b = append(append(b, " -M "...), m...)
			}
		}
		if s.PEName != "" {
			b = append(append(b, " --pe "...), s.PEName...)
		}
		if s.Flags&ipvsctl.SvcFlagOnePacket != 0 {
			b = append(b, " -o"...)
		}
		if s.Flags&schedFlagsMask != 0 {
			names := s.SchedFlagNames()
			if p.runnable {
				names = s.SchedFlagWords()
			}
			b = append(append(b, " -b "...), strings.Join(names, ",")...)
		}
		p.W.Write(b)
		p.line = b
	case f&FmtStats != 0:
		p.printf("%-33s", name)
		for _, v := range []uint64{s.Stats.Conns, s.Stats.InPkts, s.Stats.OutPkts, s.Stats.InBytes, s.Stats.OutBytes} {
			p.largeNum(v)
		}
	case f&FmtRate != 0:
		p.printf("%-33s", name)
		for _, v := range []uint64{s.Stats.CPS, s.Stats.InPPS, s.Stats.OutPPS, s.Stats.InBPS, s.Stats.OutBPS} {
			p.largeNum(v)
		}
	default:
		b := append(append(append(p.line[:0], name...), ' '), s.Scheduler...)
		if s.Flags&schedFlagsMask != 0 {
			b = append(append(append(b, " ("...), strings.Join(s.SchedFlagNames(), ",")...), ')')
		}
		if s.Flags&ipvsctl.SvcFlagPersistent != 0 {
			b = strconv.AppendUint(append(b, " persistent "...), uint64(s.Timeout), 10)
			if m, ok := persistenceMask(s); ok {
				b = append(append(b, " mask "...), m...)
			}
			if s.PEName != "" {
				b = append(append(b, " pe "...), s.PEName...)
			}
		}
		if s.Flags&ipvsctl.SvcFlagOnePacket != 0 {
			b = append(b, " ops"...)
		}
		p.W.Write(b)
		p.line = b
	}
	p.W.Write(newline)
	if f&FmtNoSort == 0 {
		ipvsctl.SortDestinations(dests)
	}
	for i := range dests {
		p.destination(s, name, &dests[i])
	}
}

// fwdName is the forwarding method's column: C's printf prints a NULL
// name as (null).
func fwdName(m uint32) string {
	if n, ok := ipvsctl.FwdName(m); ok {
		return n
	}
	return "(null)"
}

func fwdSwitch(m uint32) string {
	switch m & ipvsctl.FwdMask {
	case ipvsctl.FwdMasq:
		return "-m"
	case ipvsctl.FwdTunnel:
		return "-i"
	case ipvsctl.FwdLocal, ipvsctl.FwdRoute:
		return "-g"
	}
	return "(null)"
}

var tunFlagNames = [...]string{"-c", "+c", "r+c"}
var tunFlagOptions = [...]string{"--tun-nocsum", "--tun-csum", "--tun-remcsum"}

func tunFlagIndex(f uint16) int {
	if int(f) < len(tunFlagNames) {
		return int(f)
	}
	return 0
}

func tunInfo(d *ipvsctl.Destination) string {
	if d.FwdMethod&ipvsctl.FwdMask != ipvsctl.FwdTunnel {
		return "n/a"
	}
	switch d.TunType {
	case ipvsctl.TunIPIP:
		return "ipip"
	case ipvsctl.TunGUE:
		return fmt.Sprintf("gue:%d:%s", d.TunPort, tunFlagNames[tunFlagIndex(d.TunFlags)])
	case ipvsctl.TunGRE:
		return "gre:" + tunFlagNames[tunFlagIndex(d.TunFlags)]
	}
	return "n/a"
}

func (p *Printer) destination(s *ipvsctl.Service, svcName string, d *ipvsctl.Destination) {
	f := p.Format
	dname := p.addrPort(d.Family, d.Address, d.Port, s.Protocol)
	if f&FmtRule == 0 && d.Family != ipvsctl.AFInet6 && len(dname) > 28 {
		dname = dname[:28]
	}
	switch {
	case f&FmtRule != 0:
		b := append(p.line[:0], "-a "...)
		b = append(append(b, svcName...), " -r "...)
		b = append(append(b, dname...), ' ')
		b = append(append(b, fwdSwitch(d.FwdMethod)...), " -w "...)
		b = strconv.AppendInt(b, int64(d.Weight), 10)
		p.W.Write(b)
		p.line = b
		if d.FwdMethod&ipvsctl.FwdMask == ipvsctl.FwdTunnel {
			switch d.TunType {
			case ipvsctl.TunGRE:
				p.printf(" --tun-type gre %s", tunFlagOptions[tunFlagIndex(d.TunFlags)])
			case ipvsctl.TunGUE:
				p.printf(" --tun-type gue --tun-port %d %s", d.TunPort, tunFlagOptions[tunFlagIndex(d.TunFlags)])
			case ipvsctl.TunIPIP:
				p.printf(" --tun-type ipip")
			}
		}
		p.printf("\n")
	case f&FmtStats != 0:
		p.printf("  -> %-28s", dname)
		for _, v := range []uint64{d.Stats.Conns, d.Stats.InPkts, d.Stats.OutPkts, d.Stats.InBytes, d.Stats.OutBytes} {
			p.largeNum(v)
		}
		p.printf("\n")
	case f&FmtRate != 0:
		p.printf("  -> %-28s %8d %8d %8d", dname, d.Stats.CPS, d.Stats.InPPS, d.Stats.OutPPS)
		p.largeNum(d.Stats.InBPS)
		p.largeNum(d.Stats.OutBPS)
		p.printf("\n")
	case f&FmtThresholds != 0:
		p.printf("  -> %-28s %-10d %-10d %-10d %-10d\n", dname, d.UpperThreshold, d.LowerThreshold, d.ActiveConns, d.InactConns)
	case f&FmtPersistentConn != 0:
		p.printf("  -> %-28s %-9d %-11d %-10d %-10d\n", dname, uint32(d.Weight), d.PersistConns, d.ActiveConns, d.InactConns)
	case f&FmtTunInfo != 0:
		p.printf("  -> %-28s %-7s %-13s %-6d %-10d %-10d\n", dname, fwdName(d.FwdMethod), tunInfo(d), d.Weight, d.ActiveConns, d.InactConns)
	default:
		// the line of every destination of -L: no fmt on the hot path
		b := append(p.line[:0], "  -> "...)
		b = padRight(b, dname, 28)
		b = append(b, ' ')
		b = padRight(b, fwdName(d.FwdMethod), 7)
		b = append(b, ' ')
		b = intLeft(b, int64(d.Weight), 6)
		b = append(b, ' ')
		b = intLeft(b, int64(d.ActiveConns), 10)
		b = append(b, ' ')
		b = intLeft(b, int64(d.InactConns), 10)
		b = append(b, '\n')
		p.W.Write(b)
		p.line = b
	}
}
