package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// Exit statuses of lvsctl diff (diff(1)'s) and apply.
const (
	diffSame    = 0
	diffChanges = 1
	diffTrouble = 2

	applyDone    = 0
	applyRefused = 1 // the kernel refused some change; the others were made
	applyInvalid = 2 // FILE invalid or IPVS unreachable; nothing was changed
)

// readTableFile reads FILE ("-" is stdin) as a whole desired table. Every
// bad line is printed, prefixed with the file name, so one run shows all
// there is to fix.
func readTableFile(ios *IOStreams, cmdName, name string) ([]ipvsctl.VirtualService, error) {
	var r io.Reader = ios.In
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "lvsctl %s: %v\n", cmdName, err)
			return nil, fmt.Errorf("read table: %w", err)
		}
		defer f.Close()
		r = f
	}
	table, err := ipvsadm.ReadTable(r, "lvsctl", ipvsadm.NewSystemResolver())
	if err == nil {
		return table, nil
	}
	var many interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &many) {
		errs = many.Unwrap()
	}
	for _, e := range errs {
		fmt.Fprintf(ios.ErrOut, "lvsctl %s: %s: %v\n", cmdName, name, e)
	}
	return nil, fmt.Errorf("%s: %d invalid line(s): %w", name, len(errs), err)
}

// tableChanges reads FILE, then the kernel's table, and returns the
// client (to close) and the changes that turn the kernel's table into
// FILE's.
func tableChanges(ios *IOStreams, cmdName, name string, open func() (ipvsctl.Client, error)) (ipvsctl.Client, []ipvsctl.Change, error) {
	want, err := readTableFile(ios, cmdName, name)
	if err != nil {
		return nil, nil, err
	}
	client, err := open()
	if err != nil {
		msg, _ := ipvsadm.OpenFailure(err)
		fmt.Fprintf(ios.ErrOut, "lvsctl %s: %s", cmdName, msg)
		return nil, nil, fmt.Errorf("open IPVS: %w", err)
	}
	have, err := ipvsctl.ReadKernelTable(client)
	if err != nil {
		client.Close()
		fmt.Fprintf(ios.ErrOut, "lvsctl %s: %v\n", cmdName, err)
		return nil, nil, err
	}
	return client, ipvsctl.DiffTables(have, want), nil
}

func printJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return nil
}

// tableCommand runs diff or apply on argv[2:]. Unlike cobraRunner, a
// usage error is printed and exits 2: 1 means "differences" for diff.
func tableCommand(name string, newCmd func(*IOStreams, func() (ipvsctl.Client, error)) *cobra.Command) func([]string, *IOStreams) int {
	return func(argv []string, ios *IOStreams) int {
		cmd := newCmd(ios, OpenKernel)
		cmd.SetArgs(argv[2:])
		cmd.SetIn(ios.In)
		cmd.SetOut(ios.Out)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		var ee *ExitError
		if err != nil && !errors.As(err, &ee) {
			fmt.Fprintf(ios.ErrOut, "lvsctl %s: %v\n", name, err)
			return diffTrouble
		}
		return ExitCode(err)
	}
}
