package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// isHelp reports whether an lvsctl command line asks for help. Named
// ipvsadm, -h stays ipvsadm's (text, and reaching IPVS first); named
// lvsctl it needs no kernel: help is read where lvsctl is installed, not
// only where IPVS runs.
func isHelp(argv []string) bool {
	return len(argv) == 2 && (argv[1] == "-h" || argv[1] == "--help" || argv[1] == "help")
}

// writeHelp is lvsctl -h: ipvsadm's usage under lvsctl's name, then what
// lvsctl adds to it. Each addition is a synopsis line and a description
// line, so that any program name keeps them readable; the subcommands'
// are their Use and Short.
func writeHelp(w io.Writer, prog string, root *cobra.Command) {
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
  %[1]s --version, -v
        lvsctl's version (the same as %[1]s version)
Options:
  --json                              JSON output of a listing, diff or apply
  --templates                         with -L -c: the persistence templates view
  --atomic                            with -R: all or nothing
Subcommands (%[1]s SUBCOMMAND -h, or %[1]s help SUBCOMMAND, for the options of each):
`, prog)
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		fmt.Fprintf(w, "  %s %s\n        %s\n", prog, c.Use, lowerFirst(c.Short))
	}
}

// lowerFirst makes a cobra Short ("Print ...") a description line.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
