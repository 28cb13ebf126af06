package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ldconf"
)

// ldCheckConfig is `ldirectord --check [CONFIG]`, lvsctl's addition to
// ldirectord's command line, the same under the names lvsctl and
// ldirectord: every problem of the file on standard error, one per line,
// sorted by line, as "FILE:LINE: message" ("FILE:LINE: warning: message"
// for a warning), each with the offending value and a hint where there is
// one. With errors it ends with "FILE: FAILED, N errors" and exits 2;
// without, standard output is the table every real being healthy would
// give, in `ipvsadm -S -n` form (for `lvsctl diff -`), and standard error
// ends with what BGP would announce (with BGP
// configured) and "FILE: OK, N virtuals, M reals, checks: ...". Needs neither
// root nor IPVS, and creates no file.
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
		var nf *ldconf.NotFoundError
		if errors.As(err, &nf) {
			fmt.Fprintf(ios.ErrOut, "%s: not found (looked for %s)\n", name, orList(nf.Tried))
		} else {
			fmt.Fprintf(ios.ErrOut, "%s: %v\n", name, err)
		}
		return ldconf.ExitConfigError
	}
	cfg, errs := ldconf.LoadAll(path, opts...)
	if cfg != nil {
		errs = append(errs, uncheckable(cfg, f.checker())...)
	}
	var warnings []ldconf.Diagnostic
	if cfg != nil {
		warnings = cfg.Warnings
	}
	printDiagnostics(ios.ErrOut, errs, warnings)
	if len(errs) > 0 {
		fmt.Fprintf(ios.ErrOut, "%s: FAILED, %s%s\n", path, count(len(errs), "error"), warningCount(len(warnings)))
		return ldconf.ExitConfigError
	}
	printTable(ios.Out, cfg)
	printAnnouncements(ios.ErrOut, cfg)
	fmt.Fprintf(ios.ErrOut, "%s: OK, %s\n", path, checkSummary(cfg))
	return 0
}

// uncheckable are the reals whose check cannot be built (service=oracle,
// a receive regexp Go cannot express), which the daemon refuses at start:
// every one, found by building each check as a start would.
func uncheckable(cfg *ldconf.Config, checker director.CheckerFunc) []*ldconf.Error {
	var errs []*ldconf.Error
	_ = director.Validate(cfg, func(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error) {
		c, t, err := checker(v, r)
		if err != nil {
			errs = append(errs, &ldconf.Error{Diagnostic: ldconf.Diagnostic{File: cfg.File, Line: r.Line, Msg: ldconf.RedactMessage(err.Error())}, Err: err})
			return checks.None{}, t, nil
		}
		return c, t, nil
	})
	return errs
}

// printDiagnostics prints errors and warnings together, by line.
func printDiagnostics(w io.Writer, errs []*ldconf.Error, warnings []ldconf.Diagnostic) {
	type diag struct {
		d       ldconf.Diagnostic
		warning bool
	}
	all := make([]diag, 0, len(errs)+len(warnings))
	for _, e := range errs {
		all = append(all, diag{d: e.Diagnostic})
	}
	for _, d := range warnings {
		all = append(all, diag{d: d, warning: true})
	}
	// The file as a whole (line 0: too many errors) last.
	line := func(d diag) int {
		if d.d.Line <= 0 {
			return int(^uint(0) >> 1)
		}
		return d.d.Line
	}
	slices.SortStableFunc(all, func(a, b diag) int { return cmp.Compare(line(a), line(b)) })
	for _, d := range all {
		where := d.d.File
		if d.d.Line > 0 {
			where += ":" + strconv.Itoa(d.d.Line)
		}
		kind := ""
		if d.warning {
			kind = "warning: "
		}
		fmt.Fprintf(w, "%s: %s%s\n", where, kind, cmp.Or(d.d.Text, d.d.Msg))
	}
}

// printTable prints the table cfg asks for, every real healthy, in
// `ipvsadm -S -n` form.
func printTable(w io.Writer, cfg *ldconf.Config) {
	table := cfg.Table()
	dests := map[ipvsctl.ServiceKey][]ipvsctl.Destination{}
	svcs := make([]ipvsctl.Service, 0, len(table))
	for _, vs := range table {
		svcs = append(svcs, vs.Service)
		dests[vs.Service.Key()] = vs.Destinations
	}
	ipvsctl.SortServices(svcs)
	p := &ipvsadm.Printer{W: w, Format: ipvsadm.FmtRule | ipvsadm.FmtNumeric}
	for i := range svcs {
		p.Service(&svcs[i], dests[svcs[i].Key()])
	}
}

// checkSummary is "N virtuals, M reals, checks: K LABEL, ...": the
// checks by how many reals run them, most first.
func checkSummary(cfg *ldconf.Config) string {
	reals := 0
	byLabel := map[string]int{}
	for _, v := range cfg.Virtuals {
		for _, r := range v.Reals {
			reals++
			t := director.CheckTarget(v, r)
			byLabel[t.Label()]++
		}
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	slices.SortFunc(labels, func(a, b string) int { return cmp.Or(byLabel[b]-byLabel[a], strings.Compare(a, b)) })
	list := make([]string, len(labels))
	for i, l := range labels {
		list[i] = fmt.Sprintf("%d %s", byLabel[l], l)
	}
	if len(list) == 0 {
		list = []string{"none"}
	}
	return fmt.Sprintf("%s, %s, checks: %s", count(len(cfg.Virtuals), "virtual"), count(reals, "real"), strings.Join(list, ", "))
}

// count is "1 error", "2 errors".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func warningCount(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + count(n, "warning")
}

// orList is "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
