package cli

import (
	"bufio"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// newCmdApply is `lvsctl apply FILE`: make the kernel's table equal to
// FILE with the changes diff shows, and nothing else, all or nothing.
// runF, if not nil, runs instead.
func newCmdApply(f *Factory, runF func(*tableOptions) error) *cobra.Command {
	return newTableCmd(f, &cobra.Command{
		Use:   "apply [--json] [--dry-run] FILE",
		Short: "Make the kernel's IPVS table equal to FILE, touching only what differs",
		Long: `Read FILE, a table in ipvsadm -S form (with or without -n; "-" reads
stdin), check every line, then make exactly the changes lvsctl diff FILE
shows. Rules equal on both sides are not touched: their connections and
counters survive. A bad line anywhere changes nothing. Each change made
is printed as an ipvsadm command line; nothing is printed when the table
already matches. All or nothing: if the kernel refuses a change, the
changes made before it are undone and the table is left as it was.
With --dry-run the changes are printed and none is made.

An ldirectord.cf is not a table: lvsctl ldirectord --check FILE prints the
table it asks for, every real healthy (lvsctl ldirectord --check FILE |
lvsctl apply -).

Exit status: 0 the table matches FILE (with --dry-run: the changes were
printed), 1 the kernel refused a change and the changes made were undone,
2 FILE is invalid or IPVS is unreachable (nothing was changed), 3 the
kernel refused a change and some of the undo too (each is reported).`,
	}, applyInvalid, "print the changes and their results as JSON (docs/json.md)", runApply, runF,
		func(cmd *cobra.Command, o *tableOptions) {
			cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the changes apply would make and make none")
		})
}

func runApply(o *tableOptions) error {
	client, file, changes, err := o.tableChanges("apply", applyInvalid)
	if err != nil {
		return err
	}
	defer client.Close()
	out := bufio.NewWriter(o.io.Out)
	doc := ipvsadm.DiffJSON(changes)
	var res ipvsadm.ApplyResult
	if o.dryRun {
		res = ipvsadm.ApplyResult{Refused: -1}
	} else {
		r := &ipvsadm.Runner{Prog: "lvsctl", Client: client, Res: o.res,
			Stdout: out, Stderr: o.io.ErrOut, Extensions: true}
		res = r.Apply(changes)
		for i := range doc.Changes {
			doc.Changes[i].State = res.States[i]
			if e := res.Errs[i]; e != nil {
				msg := e.Error()
				doc.Changes[i].Error = &msg
			}
		}
	}
	if o.asJSON {
		err = printJSON(out, doc)
	} else if res.Refused < 0 {
		for i := range changes {
			fmt.Fprintln(out, ipvsadm.CommandLine(&changes[i]))
		}
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if res.Refused >= 0 {
		return o.applyRefusal(file, changes, &res)
	}
	if err != nil {
		// A failed write is told by the status alone.
		return &ExitError{Code: applyRefused, Err: fmt.Errorf("write output: %w", err), Quiet: true}
	}
	return nil
}

// applyRefusal reports a refused change (with the line of FILE that asks
// for it, if any), the undo commands the kernel refused, and what became
// of the table.
func (o *tableOptions) applyRefusal(file *ipvsadm.TableFile, changes []ipvsctl.Change, res *ipvsadm.ApplyResult) error {
	w := o.io.ErrOut
	c := &changes[res.Refused]
	where := ""
	if n := file.Line(c); n > 0 {
		where = fmt.Sprintf("%s: line %d: ", o.file, n)
	}
	printError(w, "apply", fmt.Errorf("%s%s: %w", where, ipvsadm.CommandLine(c), res.Errs[res.Refused]))
	for _, f := range res.UndoFailures {
		printError(w, "apply", fmt.Errorf("undoing %s: %s: %w", ipvsadm.CommandLine(&changes[f.At]), f.Command, f.Err))
	}
	made := res.Undone + countUndoFailed(res)
	if len(res.UndoFailures) == 0 {
		printError(w, "apply", fmt.Errorf("change %d of %d refused; %s, the table is as it was", res.Refused+1, len(changes), ipvsadm.UndoneText(made)))
		return &ExitError{Code: applyRefused, Err: fmt.Errorf("change %d refused", res.Refused+1), Quiet: true}
	}
	printError(w, "apply", fmt.Errorf("change %d of %d refused; %d of the %d changes made could not be undone, the table is left part changed",
		res.Refused+1, len(changes), countUndoFailed(res), made))
	return &ExitError{Code: applyUndoFailed, Err: fmt.Errorf("change %d refused, undo incomplete", res.Refused+1), Quiet: true}
}

func countUndoFailed(res *ipvsadm.ApplyResult) int {
	n := 0
	for _, s := range res.States {
		if s == ipvsadm.ChangeUndoFailed {
			n++
		}
	}
	return n
}
