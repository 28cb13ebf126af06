package cli

import (
	"path/filepath"
)

// Main dispatches on the name lvsctl was invoked as and returns the exit
// status: "ipvsadm" is ipvsadm 1.31; "lvsctl" takes ipvsadm's grammar and
// lvsctl's own subcommands.
func Main(argv []string, ios *IOStreams) int {
	name := filepath.Base(argv[0])
	switch name {
	case "ipvsadm":
		return IpvsadmMain(argv, ios, OpenKernel)
	}
	if len(argv) > 1 {
		if cmd := subcommand(argv[1]); cmd != nil {
			return cmd(argv, ios)
		}
	}
	return IpvsadmMain(argv, ios, OpenKernel)
}

// subcommand finds lvsctl's own commands (everything not in ipvsadm's
// grammar); ipvsadm's words all start with '-'.
func subcommand(word string) func([]string, *IOStreams) int {
	return subcommands[word]
}

var subcommands = map[string]func([]string, *IOStreams) int{}
