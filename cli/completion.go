package cli

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

type completionOptions struct {
	f     *Factory
	shell string
	// prog is the program the script completes: lvsctl, ipvsadm or
	// ldirectord.
	prog string
}

// completionProgs are the names a completion script can be made for.
var completionProgs = []string{"lvsctl", "ipvsadm", "ldirectord"}

// newCmdCompletion is `lvsctl completion bash|zsh|fish [PROGRAM]`. runF,
// if not nil, runs instead.
func newCmdCompletion(f *Factory, runF func(*completionOptions) error) *cobra.Command {
	o := &completionOptions{f: f}
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish [lvsctl|ipvsadm|ldirectord]",
		Short: "Print the shell completion script of lvsctl, ipvsadm or ldirectord",
		Long: `Print the completion script for bash, zsh or fish of lvsctl (the default),
or of ipvsadm or ldirectord when lvsctl is installed under those names.
Each script asks lvsctl what may come next at every TAB: subcommands,
options, ipvsadm's schedulers, and the services and real servers of the
live table (read from /proc/net/ip_vs, which needs no privileges).

  source <(lvsctl completion bash)                                  # this shell
  lvsctl completion bash > /usr/share/bash-completion/completions/lvsctl
  lvsctl completion bash ipvsadm > /usr/share/bash-completion/completions/ipvsadm
  lvsctl completion zsh > /usr/local/share/zsh/site-functions/_lvsctl
  lvsctl completion fish > ~/.config/fish/completions/lvsctl.fish

make install puts the three shells' scripts of the three names in place.`,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			switch len(args) {
			case 0:
				return []string{"bash", "zsh", "fish"}, cobra.ShellCompDirectiveNoFileComp
			case 1:
				return completionProgs, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) < 1 || len(args) > 2:
				return &ExitError{Code: 2, Err: fmt.Errorf("want a shell (bash, zsh or fish) and optionally a program, got %d arguments", len(args)), Usage: true}
			case !slices.Contains([]string{"bash", "zsh", "fish"}, args[0]):
				return &ExitError{Code: 2, Err: fmt.Errorf("unknown shell %q: bash, zsh or fish", args[0]), Usage: true}
			case len(args) == 2 && !slices.Contains(completionProgs, args[1]):
				return &ExitError{Code: 2, Err: fmt.Errorf("unknown program %q: lvsctl, ipvsadm or ldirectord", args[1]), Usage: true}
			}
			return nil
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.shell, o.prog = args[0], "lvsctl"
			if len(args) == 2 {
				o.prog = args[1]
			}
			return orRun(runF, runCompletion)(o)
		},
	}
	// A bad flag ends completion with status 1 and no message, as
	// cobra's own handling of it does when errors are silenced.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: 1, Err: err, Quiet: true}
	})
	return cmd
}

func runCompletion(o *completionOptions) error {
	// cobra's scripts are made from the root's name; ipvsadm's and
	// ldirectord's then call lvsctl back for the words, which its own
	// `ipvsadm` and `ldirectord` commands complete.
	root := newRootCmd(o.f)
	if o.prog != "lvsctl" {
		root = &cobra.Command{Use: o.prog}
	}
	var buf bytes.Buffer
	var err error
	switch o.shell {
	case "bash":
		err = root.GenBashCompletionV2(&buf, true)
	case "zsh":
		err = root.GenZshCompletion(&buf)
	case "fish":
		err = root.GenFishCompletion(&buf, true)
	}
	script := buf.String()
	if err == nil && o.prog != "lvsctl" {
		script, err = callLvsctl(script, o.shell, o.prog)
	}
	if err == nil {
		_, err = o.f.IOStreams.Out.Write([]byte(script))
	}
	if err != nil {
		// A script that cannot be written is told by the status alone.
		return &ExitError{Code: 1, Err: fmt.Errorf("completion %s: %w", o.shell, err), Quiet: true}
	}
	return nil
}

// completionCallbacks are how each shell's script asks the program it
// completes for the words (cobra's scripts call the program as typed).
var completionCallbacks = map[string]string{
	"bash": `requestComp="${words[0]} __complete `,
	"zsh":  `requestComp="${words[1]} __complete `,
	"fish": ` $args[1] __complete `,
}

// callLvsctl makes a script of prog ask `lvsctl __complete prog WORDS`:
// under its own name the program is ipvsadm or ldirectord exactly, which
// know no __complete.
func callLvsctl(script, shell, prog string) (string, error) {
	call := completionCallbacks[shell]
	if strings.Count(script, call) != 1 {
		return "", fmt.Errorf("cobra's %s script has not one callback %q to point at lvsctl", shell, call)
	}
	to := strings.Replace(call, map[string]string{"bash": "${words[0]}", "zsh": "${words[1]}", "fish": "$args[1]"}[shell], "lvsctl", 1)
	to = strings.Replace(to, "__complete ", "__complete "+prog+" ", 1)
	return strings.Replace(script, call, to, 1), nil
}
