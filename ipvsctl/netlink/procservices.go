package netlink

import (
	"cmp"
	"io"
	"net/netip"
	"slices"
)

// ProcIPVSFile is the kernel's text listing of the table, which any user
// may read (the netlink family is root's).
const ProcIPVSFile = procIPVSFile

// ProcService is a service of ProcIPVSFile and its real servers: what a
// reader without privileges can learn of the table, as shell completion
// offers it.
type ProcService struct {
	// Proto is TCP, UDP, SCTP or FWM, as the file writes it.
	Proto string
	// Addr is the service's address and port; FWMark the mark of an FWM
	// service (whose family the file does not say).
	Addr   netip.AddrPort
	FWMark uint32
	Reals  []netip.AddrPort
}

// ReadProcServices parses ProcIPVSFile's content: the services sorted by
// protocol, address and port (marks in order), each with its reals in the
// kernel's order. A mark used by an IPv4 and an IPv6 service is left out,
// being ambiguous in the file.
func ReadProcServices(r io.Reader) ([]ProcService, error) {
	t, err := parseProcIPVS(r)
	if err != nil {
		return nil, err
	}
	out := make([]ProcService, 0, len(t))
	for k, dests := range t {
		s := ProcService{Proto: k.proto, FWMark: k.fwmark}
		if k.proto != "FWM" {
			s.Addr = netip.AddrPortFrom(k.addr, k.port)
		}
		for _, d := range dests {
			s.Reals = append(s.Reals, netip.AddrPortFrom(d.Address, d.Port))
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b ProcService) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), a.Addr.Compare(b.Addr), cmp.Compare(a.FWMark, b.FWMark))
	})
	return out, nil
}
