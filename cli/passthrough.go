package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// The ipvsadm and ldirectord personalities under lvsctl's name: `lvsctl
// ipvsadm ARGS` is ipvsadm 1.31 exactly (none of lvsctl's additions), as
// `lvsctl ldirectord ARGS` is ldirectord. Their command lines are theirs
// to parse, with their own errors and statuses; the flags declared here
// only name their options for completion.

func newCmdIpvsadm(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:                "ipvsadm [OPTIONS]",
		Short:              "ipvsadm 1.31 exactly, as if invoked as ipvsadm (no lvsctl additions)",
		DisableFlagParsing: true,
		ValidArgsFunction:  ipvsadmValues(f, false),
		RunE: func(_ *cobra.Command, args []string) error {
			tuneOneShot()
			return exitStatus(IpvsadmMain(append([]string{"ipvsadm"}, args...), f))
		},
	}
	addIpvsadmFlags(cmd, false)
	return cmd
}

func newCmdLdirectord(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ldirectord [-d] [CONFIG] start|stop|restart|try-restart|reload|force-reload|status",
		Short: "The ldirectord daemon (also: --check [CONFIG])",
		Long: `The ldirectord daemon and its init-script command line, as ldirectord 4.12
has them, plus lvsctl's --check [CONFIG] and --metrics-listen ADDR.`,
		DisableFlagParsing: true,
		ValidArgsFunction:  ldirectordArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			return exitStatus(LdirectordMain(append([]string{"ldirectord"}, args...), f))
		},
	}
	fl := cmd.Flags()
	fl.BoolP("debug", "d", false, "stay in the foreground and log verbosely")
	fl.Bool("check", false, "check a configuration: every error, or its table and a summary")
	fl.String(metricsListenFlag, "", "serve /metrics on ADDR")
	fl.BoolP("version", "v", false, "print ldirectord's version")
	fl.BoolP("help", "h", false, "print the usage")
	return cmd
}

// ldirectordArgs completes ldirectord's words after its options: an
// action, or a configuration file then an action; --check's
// configuration file.
func ldirectordArgs(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.HasPrefix(toComplete, "-") {
		// cobra has offered the options
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var words []string
	check := false
	for _, a := range args {
		switch {
		case a == "--check":
			check = true
		case strings.HasPrefix(a, "-"):
		default:
			words = append(words, a)
		}
	}
	if len(args) > 0 && args[len(args)-1] == "--"+metricsListenFlag {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if check {
		if len(words) == 0 {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var actions []string
	for _, a := range ldActionWords {
		if strings.HasPrefix(a, toComplete) {
			actions = append(actions, a)
		}
	}
	switch {
	case len(words) == 0:
		// an action, or a configuration file
		return actions, cobra.ShellCompDirectiveDefault
	case len(words) == 1 && !ldActions[words[0]]:
		return actions, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}
