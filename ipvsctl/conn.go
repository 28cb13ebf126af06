package ipvsctl

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"
)

// ConnProcFile is where the kernel lists IPVS connections; there is no
// netlink operation for them.
const ConnProcFile = "/proc/net/ip_vs_conn"

// Conn is one line of /proc/net/ip_vs_conn.
type Conn struct {
	Protocol   string // TCP, UDP, SCTP, or what the kernel printed (Proto reads it)
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

// Proto is the entry's protocol, 0 for one without (fwmark templates say
// IP).
func (c *Conn) Proto() Protocol {
	p, _ := parseProtocol(c.Protocol)
	return p
}

// ConnScanner reads a connection listing (ConnProcFile's content) the way
// bufio.Scanner reads lines: a header line, then an entry per line; lines
// that are no entry are skipped, as ipvsadm skips them.
type ConnScanner struct {
	sc      *bufio.Scanner
	started bool
	header  bool
	conn    Conn
	words   *words
}

// NewConnScanner reads r.
func NewConnScanner(r io.Reader) *ConnScanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	return &ConnScanner{sc: sc, words: &words{}}
}

// Header reads the header line and reports whether the listing has one
// (false for empty input or a read error). Scan calls it first.
func (s *ConnScanner) Header() bool {
	if !s.started {
		s.started = true
		s.header = s.sc.Scan()
	}
	return s.header
}

// Scan advances to the next entry; it is false at the end of the input
// or on a read error (Err).
func (s *ConnScanner) Scan() bool {
	if !s.Header() {
		return false
	}
	for s.sc.Scan() {
		// The line is read in place: parseConnLine keeps no part of it
		// (its words are interned or cloned), so a listing of millions
		// allocates nothing per entry, and its heap stays small.
		b := s.sc.Bytes()
		if len(b) > 0 && parseConnLine(unsafe.String(&b[0], len(b)), &s.conn, s.words) {
			return true
		}
	}
	return false
}

// Conn is the entry Scan read; the next Scan overwrites it (a listing can
// hold millions).
func (s *ConnScanner) Conn() *Conn { return &s.conn }

// Err is the read error that ended the scan, nil at the end of the input.
func (s *ConnScanner) Err() error { return s.sc.Err() }

// ParseConnLine reads one data line as ipvsadm's sscanf does.
func ParseConnLine(line string) (Conn, bool) {
	var c Conn
	ok := parseConnLine(line, &c, nil)
	return c, ok
}

// parseConnLine is ParseConnLine into c, which the scanner reuses: a
// listing can hold millions of entries, each one a copy less. c is only
// written when the line is an entry. With w, the protocol and state are
// w's copies and the PE words clones, so that line may be the scanner's
// buffer; without, they are line's own substrings.
func parseConnLine(line string, c *Conn, w *words) bool {
	var f [11]string
	n := connFields(line, &f)
	if n < 9 {
		return false
	}
	c.Fields = n
	c.Protocol = w.of(f[0])
	c.Family, c.Client, c.Virtual = parseConnAddrs(f[1], f[3])
	c.ClientPort = hex16(f[2])
	c.VPort = hex16(f[4])
	c.DestFamily, c.Dest, _ = parseConnAddrs(f[5], f[5])
	c.DestPort = hex16(f[6])
	c.State = w.of(f[7])
	c.Expires, _ = strconv.Atoi(f[8])
	c.PEName, c.PEData = f[9], f[10]
	if w != nil {
		c.PEName, c.PEData = strings.Clone(c.PEName), strings.Clone(c.PEData)
	}
	return true
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

// words holds one copy of each protocol and state word a listing uses
// (a handful: TCP, ESTABLISHED, FIN_WAIT...), at most maxWords of them;
// past that, each is a copy of its own.
type words struct{ m map[string]string }

const maxWords = 64

// of is s, as a string of its own: w's copy, or a clone (nil w: s).
func (w *words) of(s string) string {
	if w == nil {
		return s
	}
	if v, ok := w.m[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if w.m == nil {
		w.m = make(map[string]string)
	}
	if len(w.m) < maxWords {
		w.m[v] = v
	}
	return v
}
