package ipvsadm

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Connections streams ipvsadm -Lc from r (the proc file's content);
// errors carry ipvsadm's text and exit status 1.
func (p *Printer) Connections(r io.Reader) error {
	sc := ipvsctl.NewConnScanner(r)
	if !sc.Header() {
		return &ExitError{Code: 1, Msg: "unexpected input from " + ipvsctl.ConnProcFile + "\n"}
	}
	p.printf("IPVS connection entries\n")
	pc := p.Format&FmtPersistentConn != 0
	if pc {
		p.printf("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source", "virtual", "destination", "pe name", "pe_data")
	} else {
		p.printf("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination")
	}
	for sc.Scan() {
		c := sc.Conn()
		p.connLine(c, pc && c.Fields == 11)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", ipvsctl.ConnProcFile, err)
	}
	return nil
}

// connLine prints one entry: "%-3s %-6s %-11s %-18s %-18s %s" (with the
// PE columns "%-16s %-18s %s" in the middle), built by hand because -Lc
// prints up to millions of them.
func (p *Printer) connLine(c *ipvsctl.Conn, pe bool) {
	proto := c.Proto()
	b := padRight(p.line[:0], c.Protocol, 3)
	b = append(b, ' ')
	start := len(b)
	b = twoDigits(b, c.Expires/60)
	b = append(b, ':')
	b = twoDigits(b, c.Expires%60)
	b = padTo(b, start, 6)
	b = append(b, ' ')
	b = padRight(b, c.State, 11)
	b = append(b, ' ')
	b = padTo(p.appendAddrPort(b, c.Family, c.Client, c.ClientPort, proto), len(b), 18)
	b = append(b, ' ')
	b = padTo(p.appendAddrPort(b, c.Family, c.Virtual, c.VPort, proto), len(b), 18)
	b = append(b, ' ')
	if pe {
		b = padTo(p.appendAddrPort(b, c.DestFamily, c.Dest, c.DestPort, proto), len(b), 16)
		b = append(b, ' ')
		b = padRight(b, c.PEName, 18)
		b = append(b, ' ')
		b = append(b, c.PEData...)
	} else {
		b = p.appendAddrPort(b, c.DestFamily, c.Dest, c.DestPort, proto)
	}
	b = append(b, '\n')
	p.W.Write(b)
	p.line = b
}

// padTo pads b with spaces until what follows start is width bytes long.
func padTo(b []byte, start, width int) []byte {
	for len(b)-start < width {
		b = append(b, ' ')
	}
	return b
}

// twoDigits is C's %02d.
func twoDigits(b []byte, v int) []byte {
	if 0 <= v && v < 10 {
		return append(b, '0', byte('0'+v))
	}
	if v < 0 && v > -10 {
		return append(b, '-', byte('0'-v))
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// appendAddrPort appends addrPort's text; numeric addresses without the
// intermediate strings.
func (p *Printer) appendAddrPort(b []byte, family uint16, a netip.Addr, port uint16, proto ipvsctl.Protocol) []byte {
	if p.Format&FmtNumeric == 0 || family != ipvsctl.AFInet || !a.Is4() {
		return append(b, p.addrPort(family, a, port, proto)...)
	}
	b = a.AppendTo(b)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port), 10)
}
