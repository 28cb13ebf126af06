package cli

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"slices"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// templatesFlag is lvsctl's addition to -Lc. It is read here, before
// ipvsadm's grammar sees the command line, so that the ipvsadm
// personality keeps refusing it exactly as ipvsadm 1.31 does.
const templatesFlag = "--templates"

// hasTemplatesFlag reports whether an lvsctl command line asks for the
// templates view.
func hasTemplatesFlag(argv []string) bool {
	return slices.Contains(argv[1:], templatesFlag)
}

// TemplatesMain is `lvsctl -Lc --templates`: the persistence templates
// grouped by real server, with the client network each pins (the
// template's client address after the service's -M mask), the time left,
// and the real's weight, so a quiesced real that still gets traffic shows
// who keeps it busy. The rest of the command line is ipvsadm's grammar and
// must be a connection listing.
func TemplatesMain(argv []string, ios *IOStreams, open func() (ipvsctl.Client, error), connFile string) int {
	args := slices.DeleteFunc(slices.Clone(argv[1:]), func(a string) bool { return a == templatesFlag })
	cmd, err := ipvsctl.Parse(argv[0], args, ipvsctl.NewSystemResolver())
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		var ee *ipvsctl.ExitError
		if errors.As(err, &ee) {
			return ee.Code
		}
		return 255
	}
	if cmd.Cmd != ipvsctl.CmdList || !cmd.Has(ipvsctl.OptConnection) {
		fmt.Fprintf(ios.ErrOut, "%s: %s goes with -L -c (list connections)\n", argv[0], templatesFlag)
		return 2
	}
	c, err := open()
	if err != nil {
		msg, code := ipvsctl.OpenFailure(err)
		fmt.Fprint(ios.ErrOut, msg)
		return code
	}
	defer c.Close()
	rows, err := templateRows(c, connFile)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "%s: %v\n", argv[0], err)
		return 1
	}
	if err := renderTemplates(ios, rows); err != nil {
		fmt.Fprintf(ios.ErrOut, "%s: %v\n", argv[0], err)
		return 1
	}
	return 0
}

// templateRow is one template, resolved against the table.
type templateRow struct {
	real     string
	weight   string // "" when the real is no longer in the service
	service  string
	network  string
	expires  int
	state    string
	sortReal netip.AddrPort
}

// tableIndex finds the service and the real's weight of a template.
type tableIndex struct {
	svcs  []ipvsctl.Service
	dests map[ipvsctl.ServiceKey][]ipvsctl.Destination
}

func loadTable(c ipvsctl.Client) (*tableIndex, error) {
	svcs, err := c.Services()
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	ix := &tableIndex{svcs: svcs, dests: map[ipvsctl.ServiceKey][]ipvsctl.Destination{}}
	for i := range svcs {
		d, err := c.Destinations(&svcs[i])
		if err != nil {
			return nil, fmt.Errorf("list real servers of %s: %w", svcs[i].Key(), err)
		}
		ix.dests[svcs[i].Key()] = d
	}
	return ix, nil
}

// service is the service a template belongs to, nil if none (deleted
// since). FTP services keep their templates on virtual port 0.
func (ix *tableIndex) service(c *ipvsctl.Conn) *ipvsctl.Service {
	var portless *ipvsctl.Service
	for i := range ix.svcs {
		s := &ix.svcs[i]
		if s.FWMark != 0 {
			if c.Virtual == fwmarkAddr(s) {
				return s
			}
			continue
		}
		if s.Address != c.Virtual || protoName(s.Protocol) != c.Protocol {
			continue
		}
		if s.Port == c.VPort {
			return s
		}
		if c.VPort == 0 && portless == nil {
			portless = s
		}
	}
	return portless
}

func templateRows(c ipvsctl.Client, connFile string) ([]templateRow, error) {
	ix, err := loadTable(c)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(connFile)
	if err != nil {
		return nil, fmt.Errorf("cannot open file %s: %w", connFile, err)
	}
	defer f.Close()
	var rows []templateRow
	err = scanConns(f, func(t ipvsctl.Conn) {
		if !t.IsTemplate() {
			return
		}
		r := templateRow{expires: t.Expires, state: t.State, sortReal: netip.AddrPortFrom(t.Dest, t.DestPort),
			real: connAddr(t.Dest, t.DestPort), service: t.Protocol + " " + connAddr(t.Virtual, t.VPort),
			network: t.Client.String()}
		if s := ix.service(&t); s != nil {
			r.service = s.Key().String()
			r.network = clientNetwork(t.Client, s).String()
			for _, d := range ix.dests[s.Key()] {
				if d.Address == t.Dest && (d.Port == t.DestPort || t.DestPort == 0) {
					r.weight = strconv.Itoa(int(d.Weight))
					if d.Weight == 0 {
						r.weight += " (quiesced)"
					}
				}
			}
		}
		rows = append(rows, r)
	})
	slices.SortStableFunc(rows, func(a, b templateRow) int {
		if c := a.sortReal.Compare(b.sortReal); c != 0 {
			return c
		}
		if a.service != b.service {
			if a.service < b.service {
				return -1
			}
			return 1
		}
		return b.expires - a.expires
	})
	return rows, err
}

// clientNetwork is the client side a template pins: the kernel already
// masked the address with the service's -M; the prefix makes it readable.
func clientNetwork(a netip.Addr, s *ipvsctl.Service) netip.Prefix {
	bitsLen := int(s.Netmask) // IPv6: the prefix length
	if a.Is4() {
		bitsLen = bits.LeadingZeros32(^s.Netmask)
	}
	if bitsLen > a.BitLen() || bitsLen < 0 {
		bitsLen = a.BitLen()
	}
	p, err := a.Prefix(bitsLen)
	if err != nil {
		return netip.PrefixFrom(a, a.BitLen())
	}
	return p
}

func renderTemplates(ios *IOStreams, rows []templateRow) error {
	// Hierarchical merging prints a real (and its weight, and a service
	// under it) once for all the templates it holds.
	cfg := tablewriter.NewConfigBuilder().Row().Merging().WithMode(tw.MergeHierarchical).
		ByColumnIndex([]int{0, 1, 2}).Build().Build().Build()
	t := tablewriter.NewTable(ios.Out, tablewriter.WithConfig(cfg))
	t.Header("Real server", "Weight", "Virtual service", "Client network", "Expires", "State")
	reals := map[string]bool{}
	for _, r := range rows {
		reals[r.real] = true
		w := r.weight
		if w == "" {
			w = "-"
		}
		if err := t.Append(r.real, w, r.service, r.network, mmss(r.expires), r.state); err != nil {
			return fmt.Errorf("templates table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("templates table: %w", err)
	}
	fmt.Fprintf(ios.Out, "%s on %s\n", plural(len(rows), "template"), plural(len(reals), "real server"))
	return nil
}
