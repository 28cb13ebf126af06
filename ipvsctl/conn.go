package ipvsctl

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// ConnProcFile is where the kernel lists IPVS connections; there is no
// netlink operation for them.
const ConnProcFile = "/proc/net/ip_vs_conn"

// Conn is one line of /proc/net/ip_vs_conn.
type Conn struct {
	Protocol   string // TCP, UDP, SCTP, or what the kernel printed
	Family     uint16 // of client and virtual addresses
	Client     netip.Addr
	ClientPort uint16
	Virtual    netip.Addr
	VPort      uint16
	DestFamily uint16
	Dest       netip.Addr
	DestPort   uint16
	State      string
	Expires    int // seconds
	PEName     string
	PEData     string
	Fields     int // how many fields the line had (11 with PE data)
}

// IsTemplate reports whether the entry is a persistence template: the
// kernel gives templates client port 0.
func (c *Conn) IsTemplate() bool { return c.ClientPort == 0 }

// Proto is the entry's protocol number, 0 for one without (fwmark
// templates say IP).
func (c *Conn) Proto() uint16 { return protoNumber(c.Protocol) }

// ParseConnLine reads one data line as ipvsadm's sscanf does.
func ParseConnLine(line string) (Conn, bool) {
	var f [11]string
	n := connFields(line, &f)
	if n < 9 {
		return Conn{}, false
	}
	var c Conn
	c.Fields = n
	c.Protocol = f[0]
	c.Family, c.Client, c.Virtual = parseConnAddrs(f[1], f[3])
	c.ClientPort = hex16(f[2])
	c.VPort = hex16(f[4])
	c.DestFamily, c.Dest, _ = parseConnAddrs(f[5], f[5])
	c.DestPort = hex16(f[6])
	c.State = f[7]
	c.Expires, _ = strconv.Atoi(f[8])
	c.PEName, c.PEData = f[9], f[10]
	return c, true
}

// connFields splits line at blanks into at most len(f) fields, like
// strings.Fields without the allocation (a million lines per listing).
// It returns how many it found, at most len(f).
func connFields(line string, f *[11]string) int {
	n := 0
	for i := 0; i < len(line) && n < len(f); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			f[n] = line[i:j]
			n++
		}
		i = j
	}
	return n
}

// parseConnAddrs decides the family from the first address, as ipvsadm
// does: IPv6 text, dotted IPv4, or the kernel's hex IPv4.
func parseConnAddrs(first, second string) (uint16, netip.Addr, netip.Addr) {
	if isHex8(first) {
		// neither IPv6 (no colon) nor dotted IPv4: the common case, fast
		return AFInet, hexAddr(first), hexAddr(second)
	}
	if a, err := netip.ParseAddr(first); err == nil && a.Is6() {
		b, _ := netip.ParseAddr(second)
		return AFInet6, a, b
	}
	if a, err := netip.ParseAddr(first); err == nil && a.Is4() {
		b, _ := netip.ParseAddr(second)
		return AFInet, a, b
	}
	return AFInet, hexAddr(first), hexAddr(second)
}

func isHex8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hexAddr(s string) netip.Addr {
	v := hexValue(s, 32)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func hex16(s string) uint16 {
	return uint16(hexValue(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16))
}

// hexValue is strconv.ParseUint(s, 16, bits) with its error ignored (0 on
// bad input, the largest value on overflow), without the generic parser's
// cost: -Lc reads three hex numbers per line, a million lines at a time.
func hexValue(s string, bits uint) uint64 {
	if s == "" || len(s) > 16 {
		v, _ := strconv.ParseUint(s, 16, int(bits))
		return v
	}
	var v uint64
	for i := range len(s) {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0
		}
		v = v<<4 | uint64(c)
	}
	if v >= 1<<bits {
		return 1<<bits - 1
	}
	return v
}

func protoNumber(name string) uint16 {
	switch name {
	case "TCP":
		return ProtoTCP
	case "UDP":
		return ProtoUDP
	case "SCTP":
		return ProtoSCTP
	}
	return 0
}

// Connections streams ipvsadm -Lc from r (the proc file's content);
// errors carry ipvsadm's text and exit status 1.
func (p *Printer) Connections(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	if !sc.Scan() {
		return &ExitError{Code: 1, Msg: "unexpected input from " + ConnProcFile + "\n"}
	}
	p.printf("IPVS connection entries\n")
	pc := p.Format&FmtPersistentConn != 0
	if pc {
		p.printf("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source", "virtual", "destination", "pe name", "pe_data")
	} else {
		p.printf("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination")
	}
	for sc.Scan() {
		c, ok := ParseConnLine(sc.Text())
		if !ok {
			continue
		}
		p.connLine(&c, pc && c.Fields == 11)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", ConnProcFile, err)
	}
	return nil
}

// connLine prints one entry: "%-3s %-6s %-11s %-18s %-18s %s" (with the
// PE columns "%-16s %-18s %s" in the middle), built by hand because -Lc
// prints up to millions of them.
func (p *Printer) connLine(c *Conn, pe bool) {
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
func (p *Printer) appendAddrPort(b []byte, family uint16, a netip.Addr, port, proto uint16) []byte {
	if p.Format&FmtNumeric == 0 || family != AFInet || !a.Is4() {
		return append(b, p.addrPort(family, a, port, proto)...)
	}
	b = a.AppendTo(b)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port), 10)
}
