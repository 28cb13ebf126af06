package ipvsadm

import (
	"fmt"
	"strings"
)

// ExitError ends an ipvsadm invocation the way ipvsadm's fail(),
// tryhelp_exit() and usage_exit() do: the whole process stops (inside -R
// too) with Code after Msg is written to stderr, or stdout for -h/-v.
type ExitError struct {
	Code     int
	Msg      string
	ToStdout bool
}

func (e *ExitError) Error() string { return strings.TrimSuffix(e.Msg, "\n") }

// ReturnError is a failed command that does not stop ipvsadm: popt errors
// after the command and kernel refusals. Msg is already ipvsadm's text.
type ReturnError struct {
	Msg string
	Err error // the kernel error, if any
}

func (e *ReturnError) Error() string { return strings.TrimSuffix(e.Msg, "\n") }

// Unwrap exposes the kernel error.
func (e *ReturnError) Unwrap() error { return e.Err }

func fail(format string, a ...any) error {
	return &ExitError{Code: 2, Msg: fmt.Sprintf(format, a...) + "\n"}
}

func tryHelp(prog string) error {
	return &ExitError{Code: 255, Msg: fmt.Sprintf("Try `%s -h' or '%s --help' for more information.\n", prog, prog)}
}
