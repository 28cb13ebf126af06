// Command lvsctl replaces ipvsadm and ldirectord; see README.md.
package main

import (
	"os"

	"github.com/lvsctl/lvsctl/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, cli.NewFactory(cli.System())))
}
