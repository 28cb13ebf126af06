package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// drainer is the one place drain writes IPVS and reads what holds a real
// server: the weight-0 edit, the final delete, and the holders.
type drainer struct {
	c        ipvsctl.Client
	svc      ipvsctl.Service
	dest     ipvsctl.Destination // as the kernel had it before the drain
	connFile string
}

// holders is what still keeps a real server from being removed cleanly:
// the kernel's connection counters and the persistence templates that
// would send returning clients to it.
type holders struct {
	active, inactive uint32
	templates        []ipvsctl.Conn
	conns            []ipvsctl.Conn // connection entries, for the timeout report
}

func (h holders) done() bool { return h.active == 0 && h.inactive == 0 && len(h.templates) == 0 }

func (h holders) total() int { return int(h.active) + int(h.inactive) + len(h.templates) }

func (h holders) String() string {
	return fmt.Sprintf("%d active, %d inactive, %s", h.active, h.inactive, plural(len(h.templates), "template"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// errRealGone is the real server disappearing under a drain (another
// tool deleted it): the drain can no longer say what holds it.
var errRealGone = errors.New("the real server is no longer in the service")

// find returns the kernel's current entry for the real server.
func (d *drainer) find() (ipvsctl.Destination, error) {
	dests, err := d.c.Destinations(&d.svc)
	if err != nil {
		return ipvsctl.Destination{}, fmt.Errorf("list real servers of %s: %w", d.svc.Key(), err)
	}
	for _, x := range dests {
		if x.Key() == d.dest.Key() {
			return x, nil
		}
	}
	return ipvsctl.Destination{}, errRealGone
}

// quiesce sets the weight to 0, keeping forwarding method and thresholds
// (ipvsadm -e would reset the thresholds it is not given).
func (d *drainer) quiesce() error {
	q := d.dest
	q.Weight = 0
	if err := d.c.UpdateDestination(&d.svc, &q); err != nil {
		return fmt.Errorf("set weight 0: %w", err)
	}
	return nil
}

func (d *drainer) remove() error {
	if err := d.c.DeleteDestination(&d.svc, &d.dest); err != nil {
		return fmt.Errorf("delete real server: %w", err)
	}
	return nil
}

// holders reads the counters from the kernel and the templates from the
// connection table (there is no netlink call for connection entries).
func (d *drainer) holders() (holders, error) {
	cur, err := d.find()
	if err != nil {
		return holders{}, err
	}
	h := holders{active: cur.ActiveConns, inactive: cur.InactConns}
	f, err := os.Open(d.connFile)
	if err != nil {
		return h, fmt.Errorf("read connections: %w", err)
	}
	defer f.Close()
	err = scanConns(f, func(c ipvsctl.Conn) {
		if !d.owns(&c) {
			return
		}
		if c.IsTemplate() {
			h.templates = append(h.templates, c)
		} else {
			h.conns = append(h.conns, c)
		}
	})
	return h, err
}

// scanConns calls f for every entry of an ip_vs_conn listing.
func scanConns(r io.Reader, f func(ipvsctl.Conn)) error {
	sc := ipvsctl.NewConnScanner(r)
	for sc.Scan() {
		f(*sc.Conn())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read connections: %w", err)
	}
	return nil
}

// owns reports whether a connection entry belongs to the drained real of
// the drained service. Templates of port-0 and FTP services carry port 0.
func (d *drainer) owns(c *ipvsctl.Conn) bool {
	if c.Dest != d.dest.Address || (c.DestPort != d.dest.Port && !(c.IsTemplate() && c.DestPort == 0)) {
		return false
	}
	return connOfService(c, &d.svc)
}

// connOfService reports whether an entry belongs to svc: by virtual
// address and port, or for a firewall-mark service by the mark the
// kernel stores in a template's virtual address. A fwmark service's
// ordinary entries carry the address the client asked for, which the
// service does not know: any virtual matches.
func connOfService(c *ipvsctl.Conn, svc *ipvsctl.Service) bool {
	if svc.FWMark != 0 {
		if !c.IsTemplate() {
			return true
		}
		return c.Virtual == fwmarkAddr(svc)
	}
	if c.Virtual != svc.Address {
		return false
	}
	if c.VPort != svc.Port && !(c.IsTemplate() && c.VPort == 0) {
		return false
	}
	return c.Proto() == svc.Protocol
}

// fwmarkAddr is how a fwmark template shows its mark: the mark in network
// order in the first four bytes of the virtual address.
func fwmarkAddr(svc *ipvsctl.Service) netip.Addr {
	m := svc.FWMark
	b := [4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}
	if svc.Family == ipvsctl.AFInet6 {
		var a [16]byte
		copy(a[:], b[:])
		return netip.AddrFrom16(a)
	}
	return netip.AddrFrom4(b)
}

// expireTemplates sets the kernel's expire_quiescent_template to 1 and
// returns how to put the old value back.
func expireTemplates(path string) (restore func() error, err error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("expire-templates: %w", err)
	}
	if strings.TrimSpace(string(old)) == "1" {
		return func() error { return nil }, nil
	}
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		return nil, fmt.Errorf("expire-templates: %w", err)
	}
	return func() error {
		if err := os.WriteFile(path, old, 0o644); err != nil {
			return fmt.Errorf("restore %s: %w", path, err)
		}
		return nil
	}, nil
}
