package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// Main dispatches on the name lvsctl was invoked as and returns the exit
// status: "ipvsadm" is ipvsadm 1.31, "ldirectord" is ldirectord 4.x;
// "lvsctl" takes ipvsadm's grammar and lvsctl's own subcommands.
func Main(argv []string, ios *IOStreams) int {
	switch filepath.Base(argv[0]) {
	case "ipvsadm":
		tuneOneShot()
		return IpvsadmMain(argv, ios, OpenKernel)
	case "ldirectord":
		return LdirectordMain(argv, ios)
	}
	if isHelp(argv) {
		writeHelp(ios.Out, argv[0])
		return 0
	}
	if len(argv) > 1 {
		if run, ok := subcommands[argv[1]]; ok {
			return run(argv, ios)
		}
	}
	if hasTemplatesFlag(argv) {
		// lvsctl's own listing, read before ipvsadm's exact grammar.
		return TemplatesMain(argv, ios, OpenKernel, ipvsctl.ConnProcFile, ipvsadm.NewSystemResolver())
	}
	tuneOneShot()
	return LvsctlMain(argv, ios, OpenKernel)
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

// tuneDaemon sets the Go runtime up for the long-running director: its
// live heap is small (about 3 MB for 1,000 reals) and nearly all it
// allocates is per-check garbage, so it collects at 25% growth (lab, 1,000
// reals checked every 10 s, same boot: median RSS 19.1 and 21.2 MB against
// 21.8 and 23.9 MB at 50% and 25.4 MB at 100%, CPU the same within the
// noise; docs/performance.md). GOGC in the environment still wins.
// Processors stay as many as the machine has: with one, the lab's
// emulated CPU could not keep up with 1,000 checks a second (reals flapped
// for a minute after the start), though natively one saves a quarter of
// the CPU.
//
// Transparent huge pages are turned off for the daemon (prctl
// PR_SET_THP_DISABLE, as Go's GODEBUG=disablethp=1 does for the heap
// alone): with a heap this small, a 2 MB page that backs a few live
// objects is 2 MB of RSS, and Debian's kernel hands them out (lab, 1,000
// reals at interval 1, same boot: 8-14 MB of huge pages, RSS max 25.5-26.4
// MB with them, 22.9 MB without). A GODEBUG that names disablethp wins.
func tuneDaemon() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	if !strings.Contains(os.Getenv("GODEBUG"), "disablethp") {
		_ = unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0)
	}
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
