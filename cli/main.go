package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Main dispatches on the name lvsctl was invoked as and returns the exit
// status: "ipvsadm" is ipvsadm 1.31, "ldirectord" is ldirectord 4.x;
// "lvsctl" takes ipvsadm's grammar and lvsctl's own subcommands.
func Main(argv []string, f *Factory) int {
	switch filepath.Base(argv[0]) {
	case "ipvsadm":
		tuneOneShot()
		return IpvsadmMain(argv, f)
	case "ldirectord":
		return LdirectordMain(argv, f)
	}
	if isHelp(argv) {
		writeHelp(f.IOStreams.Out, argv[0])
		return 0
	}
	if len(argv) > 1 {
		if run, ok := subcommands[argv[1]]; ok {
			return run(argv, f)
		}
	}
	if hasTemplatesFlag(argv) {
		// lvsctl's own listing, read before ipvsadm's exact grammar.
		return TemplatesMain(argv, f)
	}
	tuneOneShot()
	return LvsctlMain(argv, f)
}

// tuneOneShot sets the Go runtime up for an ipvsadm command: the process
// does one thing at a time and ends, so idle processors would only spin
// looking for work, and its small heap is collected four times less
// often (streamed listings such as -Lc stay flat). GOMAXPROCS and GOGC in
// the environment still win.
func tuneOneShot() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// subcommands are lvsctl's own commands; ipvsadm's words all start with
// '-', so the two grammars never meet.
var subcommands = map[string]func([]string, *Factory) int{
	"check":      command(newCmdCheck),
	"ldirectord": func(argv []string, f *Factory) int { return LdirectordMain(argv[1:], f) },
	"diff":       command(newCmdDiff),
	"apply":      command(newCmdApply),
	"drain":      command(newCmdDrain),
	"status":     command(newCmdStatus),
	"metrics":    command(newCmdMetrics),
}

// command is the runner of a cobra subcommand built by newCmd (without a
// runF: the command's own run).
func command[O any](newCmd func(*Factory, func(*O) error) *cobra.Command) func([]string, *Factory) int {
	return func(argv []string, f *Factory) int {
		return runCommand(context.Background(), f, newCmd(f, nil), argv[2:])
	}
}

// orRun is a command's run: runF, a test's replacement, if there is one,
// else the command's own.
func orRun[O any](runF, run func(*O) error) func(*O) error {
	if runF != nil {
		return runF
	}
	return run
}

// runCommand runs cmd on args, prints its error, if any is left to print,
// and returns its exit status.
func runCommand(ctx context.Context, f *Factory, cmd *cobra.Command, args []string) int {
	ios := f.IOStreams
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if msg := toPrint(err); msg != nil {
		printError(ios.ErrOut, cmd.Name(), msg)
	}
	return ExitCode(err)
}
