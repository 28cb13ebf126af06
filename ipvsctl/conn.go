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
	f := strings.Fields(line)
	if len(f) < 9 {
		return Conn{}, false
	}
	var c Conn
	c.Fields = len(f)
	if c.Fields > 11 {
		c.Fields = 11
	}
	c.Protocol = f[0]
	c.Family, c.Client, c.Virtual = parseConnAddrs(f[1], f[3])
	c.ClientPort = hex16(f[2])
	c.VPort = hex16(f[4])
	c.DestFamily, c.Dest, _ = parseConnAddrs(f[5], f[5])
	c.DestPort = hex16(f[6])
	c.State = f[7]
	c.Expires, _ = strconv.Atoi(f[8])
	if len(f) > 9 {
		c.PEName = f[9]
	}
	if len(f) > 10 {
		c.PEData = f[10]
	}
	return c, true
}

// parseConnAddrs decides the family from the first address, as ipvsadm
// does: IPv6 text, dotted IPv4, or the kernel's hex IPv4.
func parseConnAddrs(first, second string) (uint16, netip.Addr, netip.Addr) {
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

func hexAddr(s string) netip.Addr {
	v, _ := strconv.ParseUint(s, 16, 32)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func hex16(s string) uint16 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 16)
	return uint16(v)
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
		proto := protoNumber(c.Protocol)
		cname := p.addrPort(c.Family, c.Client, c.ClientPort, proto)
		vname := p.addrPort(c.Family, c.Virtual, c.VPort, proto)
		dname := p.addrPort(c.DestFamily, c.Dest, c.DestPort, proto)
		expire := fmt.Sprintf("%02d:%02d", c.Expires/60, c.Expires%60)
		if pc && c.Fields == 11 {
			p.printf("%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n", c.Protocol, expire, c.State, cname, vname, dname, c.PEName, c.PEData)
		} else {
			p.printf("%-3s %-6s %-11s %-18s %-18s %s\n", c.Protocol, expire, c.State, cname, vname, dname)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", ConnProcFile, err)
	}
	return nil
}
