package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// Exit statuses of lvsctl diff (diff(1)'s) and apply.
const (
	diffSame    = 0
	diffChanges = 1
	diffTrouble = 2

	applyDone       = 0
	applyRefused    = 1 // the kernel refused a change; those made were undone
	applyInvalid    = 2 // FILE invalid or IPVS unreachable; nothing was changed
	applyUndoFailed = 3 // the kernel refused a change and some undo: part changed
)

// tableOptions are diff's and apply's.
type tableOptions struct {
	io     *IOStreams
	open   func() (ipvsctl.Client, error)
	res    ipvsadm.Resolver
	file   string // "-" is standard input
	asJSON bool
	dryRun bool // apply --dry-run
}

// newTableCmd completes cmd as diff or apply: one FILE argument, a --json
// flag (described by jsonUsage), trouble (a usage error included) exiting
// with code. run is runF, or the command's own run when runF is nil;
// flags, if not nil, adds the command's own flags.
func newTableCmd(f *Factory, cmd *cobra.Command, code int, jsonUsage string, run, runF func(*tableOptions) error, flags func(*cobra.Command, *tableOptions)) *cobra.Command {
	o := &tableOptions{io: f.IOStreams, open: f.OpenIPVS, res: f.Resolver}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) != 1 {
			return &ExitError{Code: code, Err: fmt.Errorf("want one FILE (ipvsadm -S form, - for standard input), got %s", count(len(args), "argument")), Usage: true}
		}
		return nil
	}
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		o.file = args[0]
		return orRun(runF, run)(o)
	}
	cmd.SetFlagErrorFunc(usageErrors(code))
	cmd.Flags().BoolVar(&o.asJSON, "json", false, jsonUsage)
	if flags != nil {
		flags(cmd, o)
	}
	return cmd
}

// readTableFile reads the file ("-" is stdin) as a whole desired table.
// Every bad line is printed, prefixed with the file name, so one run
// shows all there is to fix; an ldirectord.cf gets one line saying how to
// turn it into a table.
func (o *tableOptions) readTableFile(cmdName string) (*ipvsadm.TableFile, error) {
	var r io.Reader = o.io.In
	if o.file != "-" {
		f, err := os.Open(o.file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	table, err := ipvsadm.ReadTableFile(r, "lvsctl", o.res)
	if err == nil {
		return table, nil
	}
	var lde *ipvsadm.LdirectordConfigError
	if errors.As(err, &lde) {
		name, arg := o.file, "FILE" // standard input has no name to give ldirectord --check
		if o.file == "-" {
			name = "standard input"
		} else if abs, aerr := filepath.Abs(o.file); aerr == nil {
			// ldirectord looks a relative name up in /etc/ha.d first: the
			// suggestion names this very file.
			arg = abs
		}
		return nil, &ExitError{Err: fmt.Errorf("%s is an ldirectord.cf (virtual= at line %d), not a table in ipvsadm -S form; ldirectord --check prints the table it asks for: lvsctl ldirectord --check %s | lvsctl %s -",
			name, lde.Line, arg, cmdName)}
	}
	var many interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &many) {
		errs = many.Unwrap()
	}
	for _, e := range errs {
		printError(o.io.ErrOut, cmdName, fmt.Errorf("%s: %w", o.file, e))
	}
	return nil, &ExitError{Err: fmt.Errorf("%s: %d invalid line(s): %w", o.file, len(errs), err), Quiet: true}
}

// tableChanges reads the file, then the kernel's table, and returns the
// client (to close), the file and the changes that turn the kernel's
// table into the file's. Its errors are *ExitError with code.
func (o *tableOptions) tableChanges(cmdName string, code int) (ipvsctl.Client, *ipvsadm.TableFile, []ipvsctl.Change, error) {
	fail := func(err error) error {
		var e *ExitError
		if errors.As(err, &e) {
			return &ExitError{Code: code, Err: e.Err, Quiet: e.Quiet}
		}
		return &ExitError{Code: code, Err: err}
	}
	want, err := o.readTableFile(cmdName)
	if err != nil {
		return nil, nil, nil, fail(err)
	}
	client, err := o.open()
	if err != nil {
		msg, _ := ipvsadm.OpenFailure(err)
		return nil, nil, nil, fail(&openError{msg: strings.TrimSuffix(msg, "\n"), err: err})
	}
	have, err := ipvsctl.ReadKernelTable(client)
	if err != nil {
		client.Close()
		return nil, nil, nil, fail(err)
	}
	return client, want, ipvsctl.DiffTables(have, want.Table), nil
}

// openError is a failure to open IPVS in ipvsadm's words.
type openError struct {
	msg string
	err error
}

func (e *openError) Error() string { return e.msg }

func (e *openError) Unwrap() error { return e.err }

func printJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return nil
}
