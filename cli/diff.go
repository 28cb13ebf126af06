package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// NewCmdDiff is `lvsctl diff FILE`: what apply would change, as ipvsadm
// command lines or JSON. Exit status as diff(1): 0 same, 1 differences,
// 2 trouble.
func NewCmdDiff(ios *IOStreams, open func() (ipvsctl.Client, error)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff [--json] FILE",
		Short: "Show the changes that turn the kernel's IPVS table into FILE",
		Long: `Compare the kernel's IPVS table with FILE, a table in ipvsadm -S form
(with or without -n; "-" reads stdin), and print the fewest ipvsadm
commands that make the kernel's table equal to FILE, one per line, in
the form lvsctl -R and ipvsadm -R accept. Rules equal on both sides are
not listed. Nothing is changed.

Exit status: 0 no differences, 1 differences, 2 trouble (bad FILE, no IPVS).`,
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			client, changes, err := tableChanges(ios, "diff", args[0], open)
			if err != nil {
				return &ExitError{Code: diffTrouble, Err: err}
			}
			defer client.Close()
			if asJSON {
				err = printJSON(ios.Out, ipvsadm.DiffJSON(changes))
			} else {
				for i := range changes {
					if _, err = fmt.Fprintln(ios.Out, ipvsadm.CommandLine(&changes[i])); err != nil {
						break
					}
				}
			}
			if err != nil {
				return &ExitError{Code: diffTrouble, Err: err}
			}
			if len(changes) > 0 {
				return &ExitError{Code: diffChanges}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON (docs/json.md)")
	return cmd
}

// newJSONEncoder writes documents as ipvsctl's listings do: indented,
// HTML characters left alone.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc
}
