package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd is lvsctl's command tree. Main runs through it every command
// line whose first word is not an option (ipvsadm's grammar has no cobra
// form: its words all start with '-'), and the completion scripts ask it
// what may come next, ipvsadm's options included. The ipvsadm and
// ldirectord personalities parse their own command lines.
func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "lvsctl",
		Short: "IPVS load balancer control: ipvsadm's grammar, ldirectord, and more",
		// cobra completes the subcommands' names; the rest of the
		// first word's completions are ipvsadm's options, whose values
		// complete here.
		DisableFlagParsing: true,
		ValidArgsFunction:  ipvsadmValues(f, true),
		SilenceErrors:      true,
		SilenceUsage:       true,
	}
	addIpvsadmFlags(root, true)
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(newCmdHelp(f))
	root.AddCommand(
		newCmdApply(f, nil),
		newCmdCheck(f, nil),
		newCmdCompletion(f, nil),
		newCmdDiff(f, nil),
		newCmdDrain(f, nil),
		newCmdIpvsadm(f),
		newCmdLdirectord(f),
		newCmdMetrics(f, nil),
		newCmdStatus(f, nil),
		newCmdVersion(f, nil),
	)
	return root
}

// newCmdHelp is `lvsctl help [COMMAND...]`: lvsctl -h's text, or exactly
// what `lvsctl COMMAND... -h` prints.
func newCmdHelp(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Print lvsctl's usage, or a command's (as COMMAND -h)",
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() && sub != c {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 || strings.HasPrefix(args[0], "-") {
				writeHelp(f.IOStreams.Out, "lvsctl", c.Root())
				return nil
			}
			return exitStatus(Main(append(append([]string{"lvsctl"}, args...), "-h"), f))
		},
	}
}

// exitStatus is the error of a command that ran a whole command line and
// has printed whatever it had to say.
func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return &ExitError{Code: code, Quiet: true}
}
