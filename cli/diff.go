package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// newCmdDiff is `lvsctl diff FILE`: what apply would change, as ipvsadm
// command lines or JSON. Exit status as diff(1): 0 same, 1 differences,
// 2 trouble. runF, if not nil, runs instead.
func newCmdDiff(f *Factory, runF func(*tableOptions) error) *cobra.Command {
	cmd, _ := newTableCmd(f, &cobra.Command{
		Use:   "diff [--json] FILE",
		Short: "Show the changes that turn the kernel's IPVS table into FILE",
		Long: `Compare the kernel's IPVS table with FILE, a table in ipvsadm -S form
(with or without -n; "-" reads stdin), and print the fewest ipvsadm
commands that make the kernel's table equal to FILE, one per line, in
the form lvsctl -R and ipvsadm -R accept. Rules equal on both sides are
not listed. Nothing is changed.

Exit status: 0 no differences, 1 differences, 2 trouble (bad FILE, no IPVS).`,
	}, diffTrouble, "print the changes as JSON (docs/json.md)", runDiff, runF)
	return cmd
}

func runDiff(o *tableOptions) error {
	client, _, changes, err := o.tableChanges("diff", diffTrouble)
	if err != nil {
		return err
	}
	defer client.Close()
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
		// As diff(1), a failed write is told by the status alone.
		return &ExitError{Code: diffTrouble, Err: err, Quiet: true}
	}
	if len(changes) > 0 {
		return &ExitError{Code: diffChanges}
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
