package ipvsadm

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Format is a set of output flags (ipvsadm's FMT_*): the options of a
// listing that choose its columns and forms.
type Format uint

// Output format flags.
const (
	FmtNumeric Format = 1 << iota
	FmtRule
	FmtStats
	FmtRate
	FmtThresholds
	FmtPersistentConn
	FmtNoSort
	FmtExact
	FmtTunInfo
)

var formatNames = [...]string{"numeric", "rule", "stats", "rate", "thresholds", "persistent-conn", "nosort", "exact", "tun-info"}

// String names the flags in the set, comma-separated.
func (f Format) String() string {
	var names []string
	for i, n := range formatNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if rest := f &^ (1<<len(formatNames) - 1); rest != 0 {
		names = append(names, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(names, ",")
}

// Printer writes ipvsadm's listings byte for byte.
type Printer struct {
	W      io.Writer
	Res    Resolver
	Format Format

	line []byte // scratch for the lines printed once per destination
	// runnable writes rules that -R reads back, where -S writes some it
	// does not: fwmark 4294967295 as it is (-S writes -1), and flag 3 of
	// sh and mh as flag-3 (-S leaves it out, and an empty -b). diff's
	// command lines must run.
	runnable bool
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
func (p *Printer) addrPort(family uint16, a netip.Addr, port uint16, proto ipvsctl.Protocol) string {
	open, closeB := "", ""
	if family != ipvsctl.AFInet {
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

// Banner is list_all's first line.
func (p *Printer) Banner(info ipvsctl.Info) {
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

// Timeouts prints ipvsadm -L --timeout.
func (p *Printer) Timeouts(t ipvsctl.Timeouts) {
	p.printf("Timeout (tcp tcpfin udp): %d %d %d\n", int32(t.TCP), int32(t.TCPFin), int32(t.UDP))
}

// Daemons prints ipvsadm -L --daemon.
func (p *Printer) Daemons(ds []ipvsctl.Daemon) {
	for _, d := range ds {
		kind, ok := d.StateName()
		if !ok {
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
func (p *Printer) AddrPortName(family uint16, a netip.Addr, port uint16, proto ipvsctl.Protocol) string {
	return p.addrPort(family, a, port, proto)
}

// RuleName is a service as ipvsadm -S names it ("-t web:http", "-f 2").
func (p *Printer) RuleName(s *ipvsctl.Service) string {
	q := *p
	q.Format |= FmtRule
	return q.serviceName(s)
}
