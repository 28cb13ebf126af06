package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ldconf"
)

// ExitError is the exit status a command wants, and why. The runner
// prints Err as "lvsctl CMD: Err", unless there is none (a check that
// found its real down, a diff with differences) or Quiet says the command
// has already reported what went wrong its own way. Usage adds where the
// command's usage is told (a bad flag, a missing argument).
type ExitError struct {
	Code  int
	Err   error
	Quiet bool
	Usage bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return "exit status " + strconv.Itoa(e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitStatus is the status the command exits with.
func (e *ExitError) ExitStatus() int { return e.Code }

// ExitCode is the exit status an error from a command asks for: 0 for
// nil; for an error that carries one (an *ExitError, ldconf's
// configuration errors), its ExitStatus; 1 for any other error:
// ldconf.ExitStatus's rule, one for cli's errors and ldconf's.
func ExitCode(err error) int { return ldconf.ExitStatus(err) }

// exitUsage is the status of a command line lvsctl's tree cannot run (an
// unknown command), as of every subcommand's usage errors.
const exitUsage = 2

// printError is the one way an lvsctl command tells its user what went
// wrong: "lvsctl CMD: MESSAGE" on standard error ("lvsctl: MESSAGE" for
// the command line as a whole, cmd "").
func printError(w io.Writer, cmd string, err error) {
	if cmd == "" {
		fmt.Fprintf(w, "lvsctl: %v\n", err)
		return
	}
	fmt.Fprintf(w, "lvsctl %s: %v\n", cmd, err)
}

// printUsageHint tells where a command's usage is ("" for lvsctl's own).
func printUsageHint(w io.Writer, cmd string) {
	fmt.Fprintf(w, "Run '%s --help' for usage.\n", strings.TrimSpace("lvsctl "+cmd))
}

// report prints what is left to print of the error of cmd, the command
// that ran (or lvsctl's root, for a command line its tree could not
// place), and returns the exit status.
func report(ios *IOStreams, cmd *cobra.Command, err error) int {
	name := commandName(cmd)
	var e *ExitError
	if err != nil && !errors.As(err, &e) && name == "" {
		// cobra's own: an unknown command, with its suggestions.
		err = &ExitError{Code: exitUsage, Err: err, Usage: true}
	}
	if msg := toPrint(err); msg != nil {
		printError(ios.ErrOut, name, msg)
		if errors.As(err, &e) && e.Usage {
			printUsageHint(ios.ErrOut, name)
		}
	}
	return ExitCode(err)
}

// commandName is cmd's name under lvsctl ("drain"), "" for lvsctl's
// root itself.
func commandName(cmd *cobra.Command) string {
	if cmd == nil || (!cmd.HasParent() && cmd.HasSubCommands()) {
		return ""
	}
	if !cmd.HasParent() {
		return cmd.Name()
	}
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// toPrint is what the runner prints of a command's error: nil when the
// command succeeded, when its status says it all, or when it has
// reported the error itself.
func toPrint(err error) error {
	var e *ExitError
	if errors.As(err, &e) && (e.Err == nil || e.Quiet) {
		return nil
	}
	return err
}
