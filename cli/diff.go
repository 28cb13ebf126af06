package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// newCmdDiff is `lvsctl diff FILE`: what apply would change, as ipvsadm
// command lines or JSON. Exit status as diff(1): 0 same, 1 differences,
// 2 trouble. runF, if not nil, runs instead.
func newCmdDiff(f *Factory, runF func(*tableOptions) error) *cobra.Command {
	return newTableCmd(f, &cobra.Command{
		Use:   "diff [--json] FILE",
		Short: "Show the changes that turn the kernel's IPVS table into FILE",
		Long: `Compare the kernel's IPVS table with FILE, a table in ipvsadm -S form
(with or without -n; "-" reads stdin), and print the fewest ipvsadm
commands that make the kernel's table equal to FILE, one per line, in
the form lvsctl -R and ipvsadm -R accept. Rules equal on both sides are
not listed. Nothing is changed.

An ldirectord.cf is not a table: lvsctl ldirectord --check FILE prints the
table it asks for, every real healthy, so compare that:
  lvsctl ldirectord --check /etc/ha.d/ldirectord.cf | lvsctl diff -

Exit status: 0 no differences, 1 differences, 2 trouble (bad FILE, no IPVS).`,
	}, diffTrouble, "print the changes as JSON (docs/json.md)", runDiff, runF, nil)
}

func runDiff(o *tableOptions) error {
	client, _, changes, err := o.tableChanges("diff", diffTrouble)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := printChanges(o, changes, diffTrouble); err != nil {
		return err
	}
	if len(changes) > 0 {
		return &ExitError{Code: diffChanges}
	}
	return nil
}

// printChanges prints changes as ipvsadm command lines, or as JSON; a
// failed write is told by the status alone (code), as diff(1) does.
func printChanges(o *tableOptions, changes []ipvsctl.Change, code int) error {
	var err error
	if o.asJSON {
		err = printJSON(o.io.Out, ipvsadm.DiffJSON(changes))
	} else {
		for i := range changes {
			if _, err = fmt.Fprintln(o.io.Out, ipvsadm.CommandLine(&changes[i])); err != nil {
				break
			}
		}
	}
	if err != nil {
		return &ExitError{Code: code, Err: err, Quiet: true}
	}
	return nil
}

// newJSONEncoder writes documents as ipvsctl's listings do: indented,
// HTML characters left alone.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc
}
