// Command lvsctl-bgp is lvsctl's BGP speaker: GoBGP, driven by the
// director (lvsctl ldirectord) over its standard input and output when the
// configuration sets bgplocalas. It is a program of its own so that
// lvsctl links no GoBGP: a director without BGP pays nothing for it
// (docs/architecture.md). It is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/lvsctl/lvsctl/internal/bgp"
	"github.com/lvsctl/lvsctl/internal/buildinfo"
)

const usage = `usage: lvsctl-bgp [--debug]
       lvsctl-bgp --version
The BGP speaker of lvsctl ldirectord, which starts it and drives it over
its standard input and output; see lvsctl-ldirectord.cf(5), BGP DIRECTIVES.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin *os.File, stdout io.Writer, stderr io.Writer) int {
	level := slog.LevelWarn
	switch {
	case len(args) == 1 && args[0] == "--version":
		fmt.Fprintf(stdout, "lvsctl-bgp %s\n", buildinfo.Get().Version)
		return 0
	case len(args) == 1 && args[0] == "--debug":
		level = slog.LevelDebug
	case len(args) > 0:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if fi, err := stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// A director that is gone shows as a broken pipe, not a signal that
	// ends the program before it stops the speaker.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := bgp.Serve(ctx, stdin, stdout, logger); err != nil {
		fmt.Fprintf(stderr, "lvsctl-bgp: %v\n", err)
		return 1
	}
	return 0
}
