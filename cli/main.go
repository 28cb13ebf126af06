package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

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
	switch {
	case isHelp(argv):
		writeHelp(f.IOStreams.Out, argv[0], newRootCmd(f))
		return 0
	case isVersion(argv):
		return runCommand(context.Background(), f, newCmdVersion(f, nil), nil)
	case len(argv) > 1 && isSubcommandWord(argv[1]):
		return runRoot(context.Background(), f, argv[1:])
	case hasTemplatesFlag(argv):
		// lvsctl's own listing, read before ipvsadm's exact grammar.
		return TemplatesMain(argv, f)
	}
	tuneOneShot()
	return LvsctlMain(argv, f)
}

// isSubcommandWord reports whether the first word of an lvsctl command
// line goes to lvsctl's command tree: ipvsadm's words all start with '-',
// so the two grammars never meet, and a mistyped subcommand is told so
// instead of reaching ipvsadm's grammar. An empty word stays ipvsadm's.
func isSubcommandWord(w string) bool { return w != "" && !strings.HasPrefix(w, "-") }

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

// command is the runner of a cobra subcommand built by newCmd (without a
// runF: the command's own run), on its own, outside lvsctl's tree.
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

// runRoot runs an lvsctl command line (without the program name) through
// lvsctl's command tree, prints its error, if any is left to print, and
// returns its exit status.
func runRoot(ctx context.Context, f *Factory, args []string) int {
	return execute(ctx, f, newRootCmd(f), args)
}

// runCommand runs cmd on args as the root of its own tree (a test's
// command, lvsctl --version).
func runCommand(ctx context.Context, f *Factory, cmd *cobra.Command, args []string) int {
	return execute(ctx, f, cmd, args)
}

func execute(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	ios := f.IOStreams
	if args == nil {
		// cobra would read os.Args
		args = []string{}
	}
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	return report(ios, cmd, err)
}
