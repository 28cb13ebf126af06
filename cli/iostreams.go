// Package cli holds lvsctl's subcommands (everything that is not ipvsadm's
// grammar), one constructor per command in the cli/cli style.
package cli

import (
	"io"
	"os"
)

// IOStreams is what a command reads and writes; tests inject buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}
