package cli

import (
	"bufio"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// NewCmdApply is `lvsctl apply FILE`: make the kernel's table equal to
// FILE with the changes diff shows, and nothing else.
func NewCmdApply(ios *IOStreams, open func() (ipvsctl.Client, error)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
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
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			client, changes, err := tableChanges(ios, "apply", args[0], open)
			if err != nil {
				return &ExitError{Code: applyInvalid, Err: err}
			}
			defer client.Close()
			out := bufio.NewWriter(ios.Out)
			r := &ipvsadm.Runner{Prog: "lvsctl", Client: client, Res: ipvsadm.NewSystemResolver(),
				Stdout: out, Stderr: ios.ErrOut, Extensions: true}
			results := r.Apply(changes)
			refused := 0
			doc := ipvsadm.DiffJSON(changes)
			for i, rerr := range results {
				if rerr == nil {
					if !asJSON {
						fmt.Fprintln(out, ipvsadm.CommandLine(&changes[i]))
					}
					continue
				}
				refused++
				msg := rerr.Error()
				doc.Changes[i].Error = &msg
				fmt.Fprintf(ios.ErrOut, "lvsctl apply: %s: %s\n", ipvsadm.CommandLine(&changes[i]), msg)
			}
			if asJSON {
				err = printJSON(out, doc)
			}
			if ferr := out.Flush(); err == nil {
				err = ferr
			}
			if err != nil {
				return &ExitError{Code: applyRefused, Err: fmt.Errorf("write output: %w", err)}
			}
			if refused > 0 {
				return &ExitError{Code: applyRefused, Err: fmt.Errorf("%d of %d changes refused", refused, len(changes))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes and their results as JSON (docs/json.md)")
	return cmd
}
