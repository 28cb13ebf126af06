package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Main dispatches on the name lvsctl was invoked as and returns the exit
// status: "ipvsadm" is ipvsadm 1.31, "ldirectord" is ldirectord 4.x;
// "lvsctl" takes ipvsadm's grammar and lvsctl's own subcommands.
func Main(argv []string, ios *IOStreams) int {
	switch filepath.Base(argv[0]) {
	case "ipvsadm":
		return IpvsadmMain(argv, ios, OpenKernel)
	case "ldirectord":
		return LdirectordMain(argv, ios)
	}
	if len(argv) > 1 {
		if run, ok := subcommands[argv[1]]; ok {
			return run(argv, ios)
		}
	}
	if hasTemplatesFlag(argv) {
		// lvsctl's own listing, read before ipvsadm's exact grammar.
		return TemplatesMain(argv, ios, OpenKernel, ipvsctl.ConnProcFile)
	}
	return LvsctlMain(argv, ios, OpenKernel)
}

// subcommands are lvsctl's own commands; ipvsadm's words all start with
// '-', so the two grammars never meet.
var subcommands = map[string]func([]string, *IOStreams) int{
	"check":      cobraRunner(NewCmdCheck),
	"ldirectord": func(argv []string, ios *IOStreams) int { return LdirectordMain(argv[1:], ios) },
	"diff":       tableCommand("diff", NewCmdDiff),
	"apply":      tableCommand("apply", NewCmdApply),
	"drain":      cobraRunner(NewCmdDrain),
	"status":     cobraRunner(NewCmdStatus),
	"metrics":    cobraRunner(NewCmdMetrics),
}

// cobraRunner runs a cobra command on argv[2:] and maps its error to an
// exit status.
func cobraRunner(newCmd func(*IOStreams) *cobra.Command) func([]string, *IOStreams) int {
	return func(argv []string, ios *IOStreams) int {
		cmd := newCmd(ios)
		cmd.SetArgs(argv[2:])
		cmd.SetIn(ios.In)
		cmd.SetOut(ios.Out)
		cmd.SetErr(ios.ErrOut)
		return ExitCode(cmd.Execute())
	}
}
