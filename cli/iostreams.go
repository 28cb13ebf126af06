// Package cli is lvsctl's command line: the personality the program name
// asks for (ipvsadm, ldirectord, lvsctl), each command's arguments, words
// and exit statuses, and the commands too small for a package of their
// own (drain, -Lc --templates). One Factory gives every command its
// streams and the system it acts on; the ldirectord daemon's process is
// package internal/daemon's, its table package director's.
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
	// OutTTY says Out is a terminal, where people rather than scripts
	// read: progress bars, tables that scripts must not get.
	OutTTY bool
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, OutTTY: isTerminal(os.Stdout)}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
