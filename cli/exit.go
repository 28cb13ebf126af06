package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/lvsctl/lvsctl/ldconf"
)

// ExitError is the exit status a command wants, and why. The runner
// prints Err as "lvsctl CMD: Err", unless there is none (a check that
// found its real down, a diff with differences) or Quiet says the command
// has already reported what went wrong its own way.
type ExitError struct {
	Code  int
	Err   error
	Quiet bool
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

// printError is the one way an lvsctl command tells its user what went
// wrong: "lvsctl CMD: MESSAGE" on standard error.
func printError(w io.Writer, cmd string, err error) {
	fmt.Fprintf(w, "lvsctl %s: %v\n", cmd, err)
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
