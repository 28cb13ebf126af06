package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// completionCommands are lvsctl's cobra subcommands, whose flags the
// completion scripts offer. Subcommands dispatched otherwise (see
// subcommands) still complete by name.
var completionCommands = []func(*Factory) *cobra.Command{
	func(f *Factory) *cobra.Command { return newCmdCheck(f, nil) },
	func(f *Factory) *cobra.Command { return newCmdDrain(f, nil) },
	func(f *Factory) *cobra.Command { return newCmdMetrics(f, nil) },
	func(f *Factory) *cobra.Command { return newCmdStatus(f, nil) },
}

// The completion entries are registered at init, not in subcommands'
// literal: the command tree they build reads subcommands, which would make
// the map's initialisation depend on itself.
func init() {
	subcommands["completion"] = command(newCmdCompletion)
	// cobra's scripts call back `lvsctl __complete WORDS...` at each TAB.
	subcommands[cobra.ShellCompRequestCmd] = completeRunner
	subcommands[cobra.ShellCompNoDescRequestCmd] = completeRunner
}

// newRootCmd is lvsctl's command tree as cobra sees it, for completion.
// lvsctl's real dispatch is Main: ipvsadm's grammar has no cobra form.
func newRootCmd(f *Factory) *cobra.Command {
	ios := f.IOStreams
	root := &cobra.Command{
		Use:   "lvsctl",
		Short: "IPVS load balancer control: ipvsadm's grammar, ldirectord, and more",
		// ipvsadm's options are not cobra flags; do not complete them as
		// file names either.
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.CompletionOptions.DisableDefaultCmd = true
	// cobra brings its own help command.
	have := map[string]bool{"completion": true, "help": true}
	for _, newCmd := range completionCommands {
		c := newCmd(f)
		have[c.Name()] = true
		root.AddCommand(c)
	}
	root.AddCommand(newCmdCompletion(f, nil), ldirectordCompletion())
	have["ldirectord"] = true
	// Whatever else is dispatched by name (diff, apply...) completes by
	// name too, with files as its arguments.
	var names []string
	for name := range subcommands {
		if !have[name] && !strings.HasPrefix(name, "__") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		root.AddCommand(&cobra.Command{Use: name, DisableFlagParsing: true, Run: func(*cobra.Command, []string) {}})
	}
	return root
}

// ldirectordCompletion describes the ldirectord personality's command line
// (ldargs.go parses it) for completion only.
func ldirectordCompletion() *cobra.Command {
	c := &cobra.Command{
		Use:   "ldirectord [-d] [CONFIG] start|stop|restart|try-restart|reload|force-reload|status",
		Short: "The ldirectord daemon",
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			actions := []string{"start", "stop", "restart", "try-restart", "reload", "force-reload", "status"}
			if len(args) == 0 {
				// The first word is an action or a configuration file.
				return actions, cobra.ShellCompDirectiveDefault
			}
			if len(args) == 1 {
				return actions, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		Run: func(*cobra.Command, []string) {},
	}
	c.Flags().BoolP("debug", "d", false, "stay in the foreground and log verbosely")
	c.Flags().Bool("check", false, "validate a configuration and print its table")
	c.Flags().BoolP("version", "v", false, "print the version")
	return c
}

type completionOptions struct {
	f     *Factory
	shell string
}

// newCmdCompletion is `lvsctl completion bash|zsh|fish`. runF, if not
// nil, runs instead.
func newCmdCompletion(f *Factory, runF func(*completionOptions) error) *cobra.Command {
	o := &completionOptions{f: f}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: `Print lvsctl's completion script for bash, zsh or fish.

  source <(lvsctl completion bash)                                  # this shell
  lvsctl completion bash > /usr/share/bash-completion/completions/lvsctl
  lvsctl completion zsh > /usr/local/share/zsh/site-functions/_lvsctl
  lvsctl completion fish > ~/.config/fish/completions/lvsctl.fish

make install puts all three in place.`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)(cmd, args); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			return nil
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.shell = args[0]
			return orRun(runF, runCompletion)(o)
		},
	}
}

func runCompletion(o *completionOptions) error {
	root := newRootCmd(o.f)
	out := o.f.IOStreams.Out
	var err error
	switch o.shell {
	case "bash":
		err = root.GenBashCompletionV2(out, true)
	case "zsh":
		err = root.GenZshCompletion(out)
	case "fish":
		err = root.GenFishCompletion(out, true)
	}
	if err != nil {
		// A script that cannot be written is told by the status alone.
		return &ExitError{Code: 1, Err: fmt.Errorf("completion %s: %w", o.shell, err), Quiet: true}
	}
	return nil
}

// completeRunner answers the completion scripts' callbacks with the
// whole tree: argv[1] is cobra's hidden __complete command.
func completeRunner(argv []string, f *Factory) int {
	root := newRootCmd(f)
	root.SetArgs(argv[1:])
	root.SetIn(f.IOStreams.In)
	return ExitCode(root.Execute())
}
