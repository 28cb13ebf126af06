package ipvsadm

import (
	"os"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// list is -L in its forms: the table, one service, the connection
// entries, the timeouts, the sync daemons.
func (r *Runner) list(c *Command) error {
	conflicts := func(a, b Options) bool { return c.Options&a != 0 && c.Options&b != 0 }
	if conflicts(optionSet(OptConnection, OptTimeout, OptDaemon), optionSet(OptStats, OptRate, OptThresholds)) ||
		conflicts(optionSet(OptTimeout, OptDaemon), optionSet(OptPersistentConn)) {
		return fail("options conflicts in the list command")
	}
	if c.JSON {
		return r.listJSON(c)
	}
	p := &Printer{W: r.Stdout, Res: r.Res, Format: c.Format}
	switch {
	case c.Has(OptConnection):
		name := r.ConnFile
		if name == "" {
			name = ipvsctl.ConnProcFile
		}
		f, err := os.Open(name)
		if err != nil {
			return &ExitError{Code: 1, Msg: "cannot open file " + ipvsctl.ConnProcFile + "\n"}
		}
		defer f.Close()
		return p.Connections(f)
	case c.Has(OptService):
		s, err := r.Client.GetService(c.Svc.Key())
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		dests, err := r.Client.Destinations(&s)
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		p.Title()
		p.Service(&s, dests)
	case c.Has(OptTimeout):
		t, err := r.Client.Timeouts()
		if err != nil {
			return &ExitError{Code: 1}
		}
		p.Timeouts(t)
	case c.Has(OptDaemon):
		ds, err := r.Client.Daemons()
		if err != nil {
			return &ExitError{Code: 1}
		}
		p.Daemons(ds)
	default:
		return r.listAll(c.Format)
	}
	return nil
}

func (r *Runner) listAll(format Format) error {
	p := &Printer{W: r.Stdout, Res: r.Res, Format: format}
	if format&FmtRule == 0 {
		info, err := r.Client.Info()
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		p.Banner(info)
	}
	svcs, err := r.Client.Services()
	if err != nil {
		return &ExitError{Code: 1, Msg: err.Error() + "\n"}
	}
	if format&FmtNoSort == 0 {
		ipvsctl.SortServices(svcs)
	}
	p.Title()
	var all [][]ipvsctl.Destination
	var errs []error
	if m, ok := r.Client.(ipvsctl.MultiDestinations); ok {
		all, errs = m.DestinationsOf(svcs, detailFor(format))
	}
	for i := range svcs {
		var dests []ipvsctl.Destination
		if all != nil {
			dests, err = all[i], errs[i]
		} else {
			dests, err = r.Client.Destinations(&svcs[i])
		}
		if err != nil {
			// like ipvsadm: the services before it stay printed
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		p.Service(&svcs[i], dests)
	}
	return nil
}

// detailFor is the destination detail a listing in format needs.
func detailFor(format Format) ipvsctl.DestDetail {
	switch {
	case format&FmtRule != 0:
		return ipvsctl.DestTunnel
	case format&(FmtStats|FmtRate|FmtThresholds|FmtPersistentConn) != 0:
		return ipvsctl.DestFull
	case format&FmtTunInfo != 0:
		return ipvsctl.DestTunnel
	}
	return ipvsctl.DestBasic
}
