// Package checks implements ldirectord's health checks (checktype connect,
// ping, external, external-perl, on, off, N and negotiate with every
// service). Each check decides up or down the way Debian's ldirectord
// 4.12 does, which the lab confirms by running both against the same
// servers (e2e/checks_ld_test.go); where ldirectord's answer depends on
// an accident of its Perl implementation, the accident is noted next to
// the code.
//
// Checkers hold no mutable state except Combined, which is per real by
// design, so one Checker value may serve any number of concurrent checks.
// The context's deadline bounds a check; the Target's timeouts are applied
// as well, so a caller may pass context.Background().
package checks

import (
	"context"
	"time"
)

// Checker checks one real server.
type Checker interface {
	// Check runs one check. It returns when the check is decided or ctx is
	// done, and leaves no goroutine or process behind.
	Check(ctx context.Context, t Target) Result
	// String names the check, e.g. "negotiate:http".
	String() string
}

// Result is the outcome of one check.
type Result struct {
	// Up is the decision. When Unchanged is set, Up is false and the
	// caller keeps the real's previous state.
	Up bool
	// Unchanged reports that ldirectord would not change the real's state
	// after this check (an HTTP check that timed out, checktype=off). A
	// one-shot caller, whose real starts down, treats it as down.
	Unchanged bool
	// Timeout reports that the check ran out of time.
	Timeout bool
	// Reason is a short human-readable explanation ("200 OK",
	// "connection refused", "receive string not matched").
	Reason string
	// Latency is the wall time the check took.
	Latency time.Duration
	// Err is the underlying error of a failed check, if any.
	Err error
}

// Check types, as written after checktype= (combined is checktype=N).
const (
	TypeConnect      = "connect"
	TypeNegotiate    = "negotiate"
	TypePing         = "ping"
	TypeExternal     = "external"
	TypeExternalPerl = "external-perl"
	TypeOn           = "on"
	TypeOff          = "off"
	TypeCombined     = "combined"
)

// Default timeouts when neither the Target nor the config gives one:
// ldirectord's ld_setup falls back to 5 s for checktimeout and 30 s for
// negotiatetimeout.
const (
	DefaultCheckTimeout     = 5 * time.Second
	DefaultNegotiateTimeout = 30 * time.Second
)

// Bounds on what a server can make us read (docs/compat.md lists them):
// past them a reply is refused with an error saying so, and what it held
// never reaches a reason whole (reasons quote at most 60 bytes of it).
const (
	maxBody   = 1 << 20  // HTTP body, FTP file, simpletcp answer
	maxHeader = 64 << 10 // HTTP status line and headers
	maxLine   = 8 << 10  // one protocol line
	maxMsg    = 1 << 20  // one database/LDAP message
	maxRead   = 16 << 20 // everything read in one session
)

func up(reason string) Result { return Result{Up: true, Reason: reason} }

func down(reason string, err error) Result { return Result{Reason: reason, Err: err} }
