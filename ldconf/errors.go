package ldconf

import (
	"errors"
	"fmt"
)

// Exit statuses ldirectord uses for configuration problems.
const (
	// ExitConfigError is ldirectord's status for a bad configuration.
	ExitConfigError = 2
	// ExitNotFound is its status when the configuration file is missing.
	ExitNotFound = 1
)

// Diagnostic is a message tied to a line of the configuration (Line ≤ 0:
// the file as a whole).
type Diagnostic struct {
	File string
	Line int
	// Msg is ldirectord's message, word for word where ldirectord has
	// one: what the ldirectord personality prints.
	Msg string
	// Text is lvsctl's own wording, when ldirectord's leaves out what was
	// wrong or how to fix it: the offending value, the name it was maybe
	// meant to be, the values allowed. Empty when Msg says it all.
	Text string `json:",omitempty"`
	// Deviation marks warnings about places where lvsctl deliberately does
	// not do what ldirectord does (docs/compat.md).
	Deviation bool `json:",omitempty"`
}

func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Msg)
	}
	return fmt.Sprintf("%s: %s", d.File, d.Msg)
}

// Explain is the diagnostic in lvsctl's words: "FILE:LINE: TEXT" (Msg
// where there is no Text), as lvsctl's own commands print it.
func (d Diagnostic) Explain() string {
	if d.Text == "" {
		return d.String()
	}
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Text)
	}
	return fmt.Sprintf("%s: %s", d.File, d.Text)
}

// Error is a configuration error: ldirectord stops at the first one and
// exits with ExitConfigError (LoadAll goes on to the others).
type Error struct {
	Diagnostic
	// Err is the underlying cause, if any (an I/O or resolver error).
	Err error
}

func (e *Error) Error() string { return e.Diagnostic.String() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ExitStatus is ldirectord's exit status for a bad configuration.
func (e *Error) ExitStatus() int { return ExitConfigError }

// NotFoundError is returned by Resolve when no candidate file exists.
type NotFoundError struct {
	Name string // as typed
	// Tried are the paths looked at, in order.
	Tried []string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("Config file %s not found", e.Name) }

// ExitStatus is ldirectord's exit status for a missing configuration.
func (e *NotFoundError) ExitStatus() int { return ExitNotFound }

// ExitStatus maps an error of this package to ldirectord's exit status: 0
// for nil, the error's own status, else 1.
func ExitStatus(err error) int {
	if err == nil {
		return 0
	}
	var s interface{ ExitStatus() int }
	if errors.As(err, &s) {
		return s.ExitStatus()
	}
	return 1
}
