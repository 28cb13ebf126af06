package cli

import (
	"bufio"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// newCmdApply is `lvsctl apply FILE`: make the kernel's table equal to
// FILE with the changes diff shows, and nothing else. runF, if not nil,
// runs instead.
func newCmdApply(f *Factory, runF func(*tableOptions) error) *cobra.Command {
	return newTableCmd(f, &cobra.Command{
		Use:   "apply [--json] FILE",
		Short: "Make the kernel's IPVS table equal to FILE, touching only what differs",
		Long: `Read FILE, a table in ipvsadm -S form (with or without -n; "-" reads
stdin), check every line, then make exactly the changes lvsctl diff FILE
shows. Rules equal on both sides are not touched: their connections and
counters survive. A bad line anywhere changes nothing. Each change made
is printed as an ipvsadm command line; nothing is printed when the table
already matches.

Exit status: 0 the table matches FILE, 1 the kernel refused some change
(each is reported; the others were made), 2 FILE is invalid or IPVS is
unreachable (nothing was changed).`,
	}, applyInvalid, "print the changes and their results as JSON (docs/json.md)", runApply, runF)
}

func runApply(o *tableOptions) error {
	client, changes, err := o.tableChanges("apply", applyInvalid)
	if err != nil {
		return err
	}
	defer client.Close()
	out := bufio.NewWriter(o.io.Out)
	r := &ipvsadm.Runner{Prog: "lvsctl", Client: client, Res: o.res,
		Stdout: out, Stderr: o.io.ErrOut, Extensions: true}
	results := r.Apply(changes)
	refused := 0
	doc := ipvsadm.DiffJSON(changes)
	for i, rerr := range results {
		if rerr == nil {
			if !o.asJSON {
				fmt.Fprintln(out, ipvsadm.CommandLine(&changes[i]))
			}
			continue
		}
		refused++
		msg := rerr.Error()
		doc.Changes[i].Error = &msg
		printError(o.io.ErrOut, "apply", fmt.Errorf("%s: %s", ipvsadm.CommandLine(&changes[i]), msg))
	}
	if o.asJSON {
		err = printJSON(out, doc)
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		// A failed write is told by the status alone.
		return &ExitError{Code: applyRefused, Err: fmt.Errorf("write output: %w", err), Quiet: true}
	}
	if refused > 0 {
		// Each refusal is printed above.
		return &ExitError{Code: applyRefused, Err: fmt.Errorf("%d of %d changes refused", refused, len(changes)), Quiet: true}
	}
	return nil
}
