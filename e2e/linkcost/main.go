// Command linkcost is lvsctl with the BGP speaker linked in and unused:
// the "after" side of "The cost of linking GoBGP" in docs/performance.md
// (e2e/bgp-link-cost.sh), as long as the director does not link it.
package main

import (
	"os"

	"github.com/lvsctl/lvsctl/cli"
	_ "github.com/lvsctl/lvsctl/internal/bgp"
)

func main() {
	os.Exit(cli.Main(os.Args, cli.NewFactory(cli.System())))
}
