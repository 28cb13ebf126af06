package ipvsctl

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
)

// Printer writes ipvsadm's listings byte for byte.
type Printer struct {
	W      io.Writer
	Res    Resolver
	Format uint

	line []byte // scratch for the lines printed once per destination
}

func (p *Printer) printf(format string, a ...any) { fmt.Fprintf(p.W, format, a...) }

var newline = []byte{'\n'}

// padRight is C's %-*s: s, then spaces up to width bytes.
func padRight(b []byte, s string, width int) []byte {
	b = append(b, s...)
	for n := len(s); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

// intLeft is C's %-*d.
func intLeft(b []byte, v int64, width int) []byte {
	n := len(b)
	b = strconv.AppendInt(b, v, 10)
	for w := len(b) - n; w < width; w++ {
		b = append(b, ' ')
	}
	return b
}

// addrPort is ipvsadm's addrport_to_anyname.
func (p *Printer) addrPort(family uint16, a netip.Addr, port, proto uint16) string {
	open, closeB := "", ""
	if family != AFInet {
		open, closeB = "[", "]"
	}
	if p.Format&FmtNumeric != 0 {
		// one allocation: listings print one of these per destination
		var buf [64]byte
		b := append(buf[:0], open...)
		if a.Is4() {
			b = a.AppendTo(b)
		} else {
			b = append(b, inetNtop(a)...)
		}
		b = append(append(b, closeB...), ':')
		return string(strconv.AppendUint(b, uint64(port), 10))
	}
	host, ok := p.Res.AddrToHost(a)
	if !ok {
		host = inetNtop(a)
	}
	ps, ok := p.Res.PortToService(port, proto)
	if !ok {
		ps = strconv.Itoa(int(port))
	}
	return open + host + closeB + ":" + ps
}

func protocolName(proto uint16) string {
	switch proto {
	case ProtoTCP:
		return "TCP"
	case ProtoUDP:
		return "UDP"
	case ProtoSCTP:
		return "SCTP"
	}
	return "?"
}

func protocolOption(proto uint16) string {
	switch proto {
	case ProtoTCP:
		return "-t"
	case ProtoUDP:
		return "-u"
	case ProtoSCTP:
		return "--sctp-service"
	}
	return "--xxx-service"
}

// Banner is list_all's first line.
func (p *Printer) Banner(info Info) {
	p.printf("IP Virtual Server version %s (size=%d)\n", info.VersionString(), info.ConnTabSize)
}

// Title prints the column headers for the format.
func (p *Printer) Title() {
	f := p.Format
	switch {
	case f&FmtStats != 0:
		p.printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
	case f&FmtRate != 0:
		p.printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS")
	case f&FmtThresholds != 0:
		p.printf("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn")
	case f&FmtPersistentConn != 0:
		p.printf("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn")
	case f&FmtTunInfo != 0:
		p.printf("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n")
	case f&FmtRule == 0:
		p.printf("Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
	}
}

// largeNum is ipvsadm's print_largenum.
func (p *Printer) largeNum(i uint64) {
	if p.Format&FmtExact != 0 {
		s := strconv.FormatUint(i, 10)
		w := len(s) + 1
		if len(s) <= 8 {
			w = 9
		}
		p.printf("%*d", w, i)
		return
	}
	switch {
	case i < 100000000:
		p.printf("%9d", i)
	case i < 1000000000:
		p.printf("%8dK", i/1000)
	case i < 100000000000:
		p.printf("%8dM", i/1000000)
	case i < 100000000000000:
		p.printf("%8dG", i/1000000000)
	default:
		p.printf("%8dT", i/1000000000000)
	}
}

func schedFlagsString(s *Service) string {
	out := ""
	add := func(set bool, name string) {
		if set {
			if out != "" {
				out += ","
			}
			out += name
		}
	}
	f1, f2, f3 := s.Flags&SvcFlagSchedFlag1 != 0, s.Flags&SvcFlagSchedFlag2 != 0, s.Flags&SvcFlagSchedFlag3 != 0
	switch s.Scheduler {
	case "sh", "mh":
		add(f1, s.Scheduler+"-fallback")
		add(f2, s.Scheduler+"-port")
	default:
		add(f1, "flag-1")
		add(f2, "flag-2")
		add(f3, "flag-3")
	}
	return out
}

const schedFlagsMask = SvcFlagSchedFlag1 | SvcFlagSchedFlag2 | SvcFlagSchedFlag3

func ipv4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func (p *Printer) serviceName(s *Service) string {
	rule := p.Format&FmtRule != 0
	if s.FWMark != 0 {
		m := int32(s.FWMark)
		switch {
		case rule && s.Family == AFInet6:
			return fmt.Sprintf("-f %d -6", m)
		case rule:
			return fmt.Sprintf("-f %d", m)
		case s.Family == AFInet6:
			return fmt.Sprintf("FWM  %d IPv6", m)
		default:
			return fmt.Sprintf("FWM  %d", m)
		}
	}
	vname := p.addrPort(s.Family, s.Address, s.Port, s.Protocol)
	if rule {
		return protocolOption(s.Protocol) + " " + vname
	}
	name := fmt.Sprintf("%-4s %s", protocolName(s.Protocol), vname)
	if s.Family != AFInet6 && len(name) > 33 {
		name = name[:33]
	}
	return name
}

// persistenceMask renders the persistence granularity when it is not the
// default (/32 for IPv4, /128 for IPv6).
func persistenceMask(s *Service) (string, bool) {
	switch {
	case s.Family == AFInet && s.Netmask != 0xffffffff:
		return ipv4String(s.Netmask), true
	case s.Family == AFInet6 && s.Netmask != 128:
		return strconv.Itoa(int(int32(s.Netmask))), true
	}
	return "", false
}

// Service prints one service and its destinations (sorted unless the
// format says nosort).
func (p *Printer) Service(s *Service, dests []Destination) {
	f := p.Format
	name := p.serviceName(s)
	switch {
	case f&FmtRule != 0:
		b := append(append(append(p.line[:0], "-A "...), name...), " -s "...)
		b = append(b, s.Scheduler...)
		if s.Flags&SvcFlagPersistent != 0 {
			b = strconv.AppendUint(append(b, " -p "...), uint64(s.Timeout), 10)
			if m, ok := persistenceMask(s); ok {
				b = append(append(b, " -M "...), m...)
			}
		}
		if s.PEName != "" {
			b = append(append(b, " --pe "...), s.PEName...)
		}
		if s.Flags&SvcFlagOnePacket != 0 {
			b = append(b, " -o"...)
		}
		if s.Flags&schedFlagsMask != 0 {
			b = append(append(b, " -b "...), schedFlagsString(s)...)
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
			b = append(append(append(b, " ("...), schedFlagsString(s)...), ')')
		}
		if s.Flags&SvcFlagPersistent != 0 {
			b = strconv.AppendUint(append(b, " persistent "...), uint64(s.Timeout), 10)
			if m, ok := persistenceMask(s); ok {
				b = append(append(b, " mask "...), m...)
			}
			if s.PEName != "" {
				b = append(append(b, " pe "...), s.PEName...)
			}
		}
		if s.Flags&SvcFlagOnePacket != 0 {
			b = append(b, " ops"...)
		}
		p.W.Write(b)
		p.line = b
	}
	p.W.Write(newline)
	if f&FmtNoSort == 0 {
		SortDestinations(dests)
	}
	for i := range dests {
		p.destination(s, name, &dests[i])
	}
}

func fwdName(m uint32) string {
	switch m & FwdMask {
	case FwdMasq:
		return "Masq"
	case FwdLocal:
		return "Local"
	case FwdTunnel:
		return "Tunnel"
	case FwdRoute:
		return "Route"
	}
	return "(null)"
}

func fwdSwitch(m uint32) string {
	switch m & FwdMask {
	case FwdMasq:
		return "-m"
	case FwdTunnel:
		return "-i"
	case FwdLocal, FwdRoute:
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

func tunInfo(d *Destination) string {
	if d.FwdMethod&FwdMask != FwdTunnel {
		return "n/a"
	}
	switch d.TunType {
	case TunIPIP:
		return "ipip"
	case TunGUE:
		return fmt.Sprintf("gue:%d:%s", d.TunPort, tunFlagNames[tunFlagIndex(d.TunFlags)])
	case TunGRE:
		return "gre:" + tunFlagNames[tunFlagIndex(d.TunFlags)]
	}
	return "n/a"
}

func (p *Printer) destination(s *Service, svcName string, d *Destination) {
	f := p.Format
	dname := p.addrPort(d.Family, d.Address, d.Port, s.Protocol)
	if f&FmtRule == 0 && d.Family != AFInet6 && len(dname) > 28 {
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
		if d.FwdMethod&FwdMask == FwdTunnel {
			switch d.TunType {
			case TunGRE:
				p.printf(" --tun-type gre %s", tunFlagOptions[tunFlagIndex(d.TunFlags)])
			case TunGUE:
				p.printf(" --tun-type gue --tun-port %d %s", d.TunPort, tunFlagOptions[tunFlagIndex(d.TunFlags)])
			case TunIPIP:
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

// Timeouts prints ipvsadm -L --timeout.
func (p *Printer) Timeouts(t Timeouts) {
	p.printf("Timeout (tcp tcpfin udp): %d %d %d\n", int32(t.TCP), int32(t.TCPFin), int32(t.UDP))
}

// Daemons prints ipvsadm -L --daemon.
func (p *Printer) Daemons(ds []Daemon) {
	for _, d := range ds {
		var kind string
		switch {
		case d.State&DaemonMaster != 0:
			kind = "master"
		case d.State&DaemonBackup != 0:
			kind = "backup"
		default:
			continue
		}
		p.printf("%s sync daemon (mcast=%s, syncid=%d", kind, d.McastIfn, int32(d.SyncID))
		if d.SyncMaxLen != 0 {
			p.printf(", maxlen=%d", d.SyncMaxLen)
		}
		if d.McastGroup.IsValid() {
			p.printf(", group=%s", inetNtop(d.McastGroup))
		}
		if d.McastPort != 0 {
			p.printf(", port=%d", d.McastPort)
		}
		if d.McastTTL != 0 {
			p.printf(", ttl=%d", d.McastTTL)
		}
		p.printf(")\n")
	}
}

// AddrPortName is an address and port as ipvsadm prints them: names unless
// the format is numeric (-n).
func (p *Printer) AddrPortName(family uint16, a netip.Addr, port, proto uint16) string {
	return p.addrPort(family, a, port, proto)
}

// RuleName is a service as ipvsadm -S names it ("-t web:http", "-f 2").
func (p *Printer) RuleName(s *Service) string {
	q := *p
	q.Format |= FmtRule
	return q.serviceName(s)
}
