package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// isHelp reports whether an lvsctl command line asks for help. Named
// ipvsadm, -h stays ipvsadm's (text, and reaching IPVS first); named
// lvsctl it needs no kernel: help is read where lvsctl is installed, not
// only where IPVS runs.
func isHelp(argv []string) bool {
	return len(argv) == 2 && (argv[1] == "-h" || argv[1] == "--help" || argv[1] == "help")
}

// help is registered at init: its text lists subcommands, which would
// make the map's initialisation depend on itself.
func init() {
	subcommands["help"] = func(argv []string, f *Factory) int { writeHelp(f.IOStreams.Out, argv[0]); return 0 }
}

// subcommandHelp is the one-line synopsis of each subcommand in lvsctl -h.
// A subcommand without one is still listed, by name.
var subcommandHelp = map[string][2]string{
	"apply":      {"apply [--json] [--dry-run] FILE", "make only the changes between the kernel's table and FILE (ipvsadm -S form), all or nothing"},
	"check":      {"check --type TYPE ...", "run one ldirectord health check; exit 0 up, 1 down"},
	"completion": {"completion bash|zsh|fish", "print the shell completion script"},
	"diff":       {"diff [--json] FILE", "print the ipvsadm commands that turn the kernel's table into FILE"},
	"drain":      {"drain SERVICE -r REAL [--timeout 30s]", "weight 0, wait for connections and templates, delete"},
	"help":       {"help", "this text"},
	"ldirectord": {"ldirectord [CONFIG] start|stop|status|reload...", "the ldirectord daemon (also: --check CONFIG)"},
	"metrics":    {"metrics [-o FILE]", "the table in Prometheus' text format, once"},
	"status":     {"status [--json] [CONFIG]", "the running director's virtuals, reals, checks and weights"},
}

// writeHelp is lvsctl -h: ipvsadm's usage under lvsctl's name, then what
// lvsctl adds to it. Each addition is a synopsis line and a description
// line, so that any program name keeps them readable.
func writeHelp(w io.Writer, prog string) {
	io.WriteString(w, ipvsadm.Usage(prog))
	fmt.Fprintf(w, `
lvsctl's additions (unknown options when invoked as ipvsadm):
  %[1]s -L|l [virtual-service] [options] --json
        any listing as one JSON document (docs/json.md): -L (also with --stats,
        --rate, --thresholds, --persistent-conn), -L -c, --timeout, --daemon
  %[1]s -L -c --templates [-n] [--json]
        persistence templates grouped by real server, with the client network
        (after the service's -M) and the time left
  %[1]s -R --atomic
        -R, all or nothing: every line of stdin checked before the first change,
        and a line the kernel refuses undoes the changes made before it
Options:
  --json                              JSON output of a listing, diff or apply
  --templates                         with -L -c: the persistence templates view
  --atomic                            with -R: all or nothing
Subcommands (%[1]s SUBCOMMAND -h for the options of each):
`, prog)
	var names []string
	for name := range subcommands {
		if !strings.HasPrefix(name, "__") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		h, ok := subcommandHelp[name]
		if !ok {
			h = [2]string{name, ""}
		}
		fmt.Fprintf(w, "  %s %s\n", prog, h[0])
		if h[1] != "" {
			fmt.Fprintf(w, "        %s\n", h[1])
		}
	}
}
