package cli

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
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
// who keeps it busy. The rest of the command line is lvsctl's grammar and
// must be a connection listing; -n and --json mean what they mean there.
func TemplatesMain(argv []string, f *Factory) int {
	ios, res := f.IOStreams, f.Resolver
	args := slices.DeleteFunc(slices.Clone(argv[1:]), func(a string) bool { return a == templatesFlag })
	cmd, err := ipvsadm.ParseExt(argv[0], args, res)
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		var ee *ipvsadm.ExitError
		if errors.As(err, &ee) {
			return ee.Code
		}
		return 255
	}
	if cmd.Cmd != ipvsadm.CmdList || !cmd.Has(ipvsadm.OptConnection) {
		fmt.Fprintf(ios.ErrOut, "%s: %s goes with -L -c (list connections)\n", argv[0], templatesFlag)
		return 2
	}
	c, err := f.OpenIPVS()
	if err != nil {
		msg, code := ipvsadm.OpenFailure(err)
		fmt.Fprint(ios.ErrOut, msg)
		return code
	}
	defer c.Close()
	rows, err := templateRows(c, f.ConnFile)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "%s: %v\n", argv[0], err)
		return 1
	}
	if cmd.JSON {
		err = writeTemplatesJSON(ios, rows)
	} else {
		err = renderTemplates(ios, rows, &ipvsadm.Printer{Res: res, Format: cmd.Format & ipvsadm.FmtNumeric})
	}
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "%s: %v\n", argv[0], err)
		return 1
	}
	return 0
}

// templateRow is one template, resolved against the table.
type templateRow struct {
	conn   ipvsctl.Conn
	svc    *ipvsctl.Service     // nil when the service is gone
	dest   *ipvsctl.Destination // nil when the real left the service
	prefix netip.Prefix         // the client network
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
		if s.Address != c.Virtual || s.Protocol != c.Proto() {
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
		r := templateRow{conn: t, prefix: netip.PrefixFrom(t.Client, t.Client.BitLen())}
		if s := ix.service(&t); s != nil {
			r.svc = s
			r.prefix = clientNetwork(t.Client, s)
			for i, d := range ix.dests[s.Key()] {
				if d.Address == t.Dest && (d.Port == t.DestPort || t.DestPort == 0) {
					r.dest = &ix.dests[s.Key()][i]
				}
			}
		}
		rows = append(rows, r)
	})
	slices.SortStableFunc(rows, func(a, b templateRow) int {
		ra := netip.AddrPortFrom(a.conn.Dest, a.conn.DestPort)
		if c := ra.Compare(netip.AddrPortFrom(b.conn.Dest, b.conn.DestPort)); c != 0 {
			return c
		}
		if c := strings.Compare(a.serviceKey(), b.serviceKey()); c != 0 {
			return c
		}
		return b.conn.Expires - a.conn.Expires
	})
	return rows, err
}

// serviceKey groups the templates of one service (or of one gone
// service's virtual address).
func (r *templateRow) serviceKey() string {
	if r.svc != nil {
		return r.svc.Key().String()
	}
	return r.conn.Protocol + " " + connAddr(r.conn.Virtual, r.conn.VPort)
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

func renderTemplates(ios *IOStreams, rows []templateRow, p *ipvsadm.Printer) error {
	// Hierarchical merging prints a real (and its weight, and a service
	// under it) once for all the templates it holds.
	cfg := tablewriter.NewConfigBuilder().Row().Merging().WithMode(tw.MergeHierarchical).
		ByColumnIndex([]int{0, 1, 2}).Build().Build().Build()
	t := tablewriter.NewTable(ios.Out, tablewriter.WithConfig(cfg))
	t.Header("Real server", "Weight", "Virtual service", "Client network", "Expires", "State")
	reals := map[netip.AddrPort]bool{}
	for _, r := range rows {
		c := &r.conn
		reals[netip.AddrPortFrom(c.Dest, c.DestPort)] = true
		proto := c.Proto()
		if r.svc != nil {
			proto = r.svc.Protocol
		}
		rs := p.AddrPortName(c.DestFamily, c.Dest, c.DestPort, proto)
		svc := c.Protocol + " " + p.AddrPortName(c.Family, c.Virtual, c.VPort, proto)
		if r.svc != nil {
			svc = p.RuleName(r.svc)
		}
		w := "-"
		if r.dest != nil {
			w = strconv.Itoa(int(r.dest.Weight))
			if r.dest.Weight == 0 {
				w += " (quiesced)"
			}
		}
		// Networks stay numeric: a prefix has no name.
		if err := t.Append(rs, w, svc, r.prefix.String(), mmss(c.Expires), c.State); err != nil {
			return fmt.Errorf("templates table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("templates table: %w", err)
	}
	fmt.Fprintf(ios.Out, "%s on %s\n", plural(len(rows), "template"), plural(len(reals), "real server"))
	return nil
}

// writeTemplatesJSON is the same grouping as one document (docs/json.md),
// numeric as every --json document.
func writeTemplatesJSON(ios *IOStreams, rows []templateRow) error {
	doc := ipvsadm.JSONTemplates{SchemaVersion: ipvsctl.JSONSchemaVersion, Reals: []ipvsadm.JSONTemplatesReal{}}
	var cur *ipvsadm.JSONTemplatesReal
	var group *ipvsadm.JSONTemplatesService
	var lastReal netip.AddrPort
	lastSvc := ""
	for i, r := range rows {
		c := &r.conn
		if rp := netip.AddrPortFrom(c.Dest, c.DestPort); i == 0 || rp != lastReal {
			doc.Reals = append(doc.Reals, ipvsadm.JSONTemplatesReal{Family: ipvsctl.FamilyName(c.DestFamily),
				Address: c.Dest.String(), Port: c.DestPort, Services: []ipvsadm.JSONTemplatesService{}})
			cur, lastReal, group = &doc.Reals[len(doc.Reals)-1], rp, nil
		}
		if k := r.serviceKey(); group == nil || k != lastSvc {
			g := ipvsadm.JSONTemplatesService{Templates: []ipvsadm.JSONTemplate{}}
			if r.svc != nil {
				sc := ipvsctl.ServiceConfigJSON(r.svc)
				g.Service = &sc
			}
			if r.dest != nil {
				w := r.dest.Weight
				g.Weight = &w
			}
			cur.Services = append(cur.Services, g)
			group, lastSvc = &cur.Services[len(cur.Services)-1], k
		}
		group.Templates = append(group.Templates, ipvsadm.JSONTemplate{
			Protocol: strings.ToLower(c.Protocol), ClientNetwork: r.prefix.String(), PrefixLength: r.prefix.Bits(),
			VirtualAddress: c.Virtual.String(), VirtualPort: c.VPort, State: c.State, Expires: c.Expires})
	}
	if err := newJSONEncoder(ios.Out).Encode(doc); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return nil
}
