package cli

import (
	"fmt"
	"os"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ldconf"
)

// ldCheckConfig is `lvsctl ldirectord --check [CONFIG]`: parse and
// validate, print the table every real being healthy would give in
// `ipvsadm -S -n` form, and on stderr what BGP would announce. Exit 0, or 2 on any error; needs neither root nor
// IPVS.
func ldCheckConfig(args []string, f *Factory) int {
	ios := f.IOStreams
	name := ldconf.DefaultConfig
	if len(args) > 0 {
		name = args[0]
	}
	// Files are probed, not created; logfile= is judged as the daemon
	// (not -d) would open it.
	opts := append([]ldconf.Option{ldconf.WithFS(ldconf.ProbeFS{})}, f.configOptions(false)...)
	path, err := ldconf.Resolve(name, opts...)
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		return ldconf.ExitConfigError
	}
	cfg, err := ldconf.Load(path, opts...)
	if err != nil {
		fmt.Fprint(ios.ErrOut, director.ConfigErrorText(err, path, os.Getpid()))
		return ldconf.ExitConfigError
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
	if err := director.Validate(cfg, director.Checker); err != nil {
		fmt.Fprint(ios.ErrOut, director.ConfigErrorText(err, path, os.Getpid()))
		return ldconf.ExitConfigError
	}
	printAnnouncements(ios.ErrOut, cfg)
	table := cfg.Table()
	dests := map[ipvsctl.ServiceKey][]ipvsctl.Destination{}
	svcs := make([]ipvsctl.Service, 0, len(table))
	for _, vs := range table {
		svcs = append(svcs, vs.Service)
		dests[vs.Service.Key()] = vs.Destinations
	}
	ipvsctl.SortServices(svcs)
	p := &ipvsadm.Printer{W: ios.Out, Format: ipvsadm.FmtRule | ipvsadm.FmtNumeric}
	for i := range svcs {
		p.Service(&svcs[i], dests[svcs[i].Key()])
	}
	return 0
}
