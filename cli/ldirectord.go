package cli

import "fmt"

// LdirectordMain is the ldirectord personality (argv[0] is the program
// name as invoked). The director issue fills it in.
func LdirectordMain(argv []string, ios *IOStreams) int {
	fmt.Fprintf(ios.ErrOut, "%s: not implemented yet\n", argv[0])
	return 1
}
