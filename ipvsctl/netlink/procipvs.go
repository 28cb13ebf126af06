package netlink

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// procIPVSFile is the kernel's text listing of every service with its
// destinations: address, forwarding method, weight and connection counts.
// One read of it replaces a netlink dump per service, which is what makes
// -L and -S of big tables fast; listings that need more (stats, thresholds,
// persistent connections, tunnel details) still dump over netlink.
const procIPVSFile = "/proc/net/ip_vs"

// procKey names a service in procIPVSFile: protocol name and address, or
// FWM and mark (the file does not say a fwmark service's family).
type procKey struct {
	proto  string
	fwmark uint32
	addr   netip.Addr
	port   uint16
}

func procKeyOf(s *ipvsctl.Service) (procKey, bool) {
	if s.FWMark != 0 {
		return procKey{proto: "FWM", fwmark: s.FWMark}, true
	}
	if !s.Protocol.Valid() {
		return procKey{}, false
	}
	return procKey{proto: s.Protocol.String(), addr: s.Address.Unmap(), port: s.Port}, true
}

// procTable is a parsed procIPVSFile. Keys seen twice (a fwmark used by
// an IPv4 and an IPv6 service) are ambiguous and left out.
type procTable map[procKey][]ipvsctl.Destination

var errProcFormat = errors.New("unexpected format")

// parseProcIPVS reads procIPVSFile's format (ip_vs_info_seq_show).
func parseProcIPVS(r io.Reader) (procTable, error) {
	t := procTable{}
	dup := map[procKey]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024)
	var cur *procKey
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line <= 3 {
			// banner and the two column titles
			if line == 1 && !strings.HasPrefix(text, "IP Virtual Server version ") {
				return nil, fmt.Errorf("%s line 1: %w", procIPVSFile, errProcFormat)
			}
			continue
		}
		f := strings.Fields(text)
		if strings.HasPrefix(text, "  -> ") {
			if cur == nil || len(f) != 6 {
				return nil, fmt.Errorf("%s line %d: %w", procIPVSFile, line, errProcFormat)
			}
			d, err := procDest(f[1:])
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", procIPVSFile, line, err)
			}
			t[*cur] = append(t[*cur], d)
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("%s line %d: %w", procIPVSFile, line, errProcFormat)
		}
		k, err := procService(f[0], f[1])
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", procIPVSFile, line, err)
		}
		if _, seen := t[k]; seen || dup[k] {
			dup[k] = true
		}
		t[k] = []ipvsctl.Destination{}
		cur = &k
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", procIPVSFile, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty: %w", procIPVSFile, errProcFormat)
	}
	for k := range dup {
		delete(t, k)
	}
	return t, nil
}

func procService(proto, where string) (procKey, error) {
	if proto == "FWM" {
		m, err := strconv.ParseUint(where, 16, 32)
		if err != nil {
			return procKey{}, errProcFormat
		}
		return procKey{proto: proto, fwmark: uint32(m)}, nil
	}
	a, port, err := procAddrPort(where)
	if err != nil {
		return procKey{}, err
	}
	return procKey{proto: proto, addr: a, port: port}, nil
}

// procAddrPort parses "C0A80001:0050" or "[2001:0db8:...:0001]:0050".
func procAddrPort(s string) (netip.Addr, uint16, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.Addr{}, 0, errProcFormat
	}
	p, err := strconv.ParseUint(s[i+1:], 16, 16)
	if err != nil {
		return netip.Addr{}, 0, errProcFormat
	}
	h := s[:i]
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() {
			return netip.Addr{}, 0, errProcFormat
		}
		return a, uint16(p), nil
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 8 || err != nil {
		return netip.Addr{}, 0, errProcFormat
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), uint16(p), nil
}

// procDest parses ADDR:PORT FORWARD WEIGHT ACTIVE INACTIVE.
func procDest(f []string) (ipvsctl.Destination, error) {
	a, port, err := procAddrPort(f[0])
	if err != nil {
		return ipvsctl.Destination{}, err
	}
	d := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: a, Port: port}
	if a.Is6() {
		d.Family = ipvsctl.AFInet6
	}
	// the kernel writes the names -L prints
	d.FwdMethod = ipvsctl.FwdMask + 1
	for _, m := range []uint32{ipvsctl.FwdMasq, ipvsctl.FwdLocal, ipvsctl.FwdTunnel, ipvsctl.FwdRoute} {
		if name, _ := ipvsctl.FwdName(m); name == f[1] {
			d.FwdMethod = m
		}
	}
	if d.FwdMethod > ipvsctl.FwdMask {
		return ipvsctl.Destination{}, errProcFormat
	}
	w, err1 := strconv.ParseInt(f[2], 10, 32)
	ac, err2 := strconv.ParseUint(f[3], 10, 32)
	in, err3 := strconv.ParseUint(f[4], 10, 32)
	if err := errors.Join(err1, err2, err3); err != nil {
		return ipvsctl.Destination{}, errProcFormat
	}
	d.Weight, d.ActiveConns, d.InactConns = int32(w), uint32(ac), uint32(in)
	return d, nil
}

// lookup returns s's destinations if the table has all that detail needs.
func (t procTable) lookup(s *ipvsctl.Service, detail ipvsctl.DestDetail) ([]ipvsctl.Destination, bool) {
	if t == nil {
		return nil, false
	}
	k, ok := procKeyOf(s)
	if !ok {
		return nil, false
	}
	d, ok := t[k]
	if !ok {
		return nil, false
	}
	if detail == ipvsctl.DestTunnel {
		for i := range d {
			if d[i].FwdMethod == ipvsctl.FwdTunnel {
				return nil, false
			}
		}
	}
	return d, true
}

// readProcIPVS returns the parsed procIPVSFile, or nil when it cannot be
// read or parsed (no procfs, another namespace's view): netlink answers.
func (n *Client) readProcIPVS() procTable {
	f, err := os.Open(procIPVSFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	t, err := parseProcIPVS(f)
	if err != nil {
		return nil
	}
	return t
}
