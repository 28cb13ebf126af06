// Command printinfo prints buildinfo.Get() as JSON, for the tests of what
// a real build stamps.
package main

import (
	"encoding/json"
	"os"

	"github.com/lvsctl/lvsctl/internal/buildinfo"
)

func main() {
	if err := json.NewEncoder(os.Stdout).Encode(buildinfo.Get()); err != nil {
		os.Exit(1)
	}
}
