package ldconf

import (
	"time"
)

// lvsctl's directives for how the daemon itself runs (ldirectord has none
// of them; without them a file reads as before, and their zero values in
// Global are the defaults):
//
//	commandtimeout = SECONDS     bound on each command the daemon runs
//	checkoverload = stretch|fail what the prober does when it falls behind
//
// Like the BGP directives, the whole value must be valid and a comment may
// follow it after a blank.

// DefaultCommandTimeout bounds fallbackcommand, callback, execute= and
// each alert mail when commandtimeout is not given.
const DefaultCommandTimeout = 30 * time.Second

// maxCommandTimeout keeps a typo from making a hung command wait a day.
const maxCommandTimeout = 3600

// CheckOverload is what the daemon does when it cannot run its checks on
// time (checkoverload).
type CheckOverload int

// Overload policies.
const (
	// OverloadStretch (the default): the check interval of every real
	// stretches evenly while the director is behind, and a check that
	// timed out because the director was late is no answer yet rather
	// than a failure.
	OverloadStretch CheckOverload = iota
	// OverloadFail is ldirectord's behaviour: a timeout is a failure,
	// whoever was slow.
	OverloadFail
)

var overloadNames = []string{"stretch", "fail"}

func (c CheckOverload) String() string { return enumName(overloadNames, int(c)) }

// MarshalText implements encoding.TextMarshaler.
func (c CheckOverload) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// CommandTimeoutOrDefault is commandtimeout, or its default when unset.
func (g *Global) CommandTimeoutOrDefault() time.Duration {
	if g.CommandTimeout > 0 {
		return g.CommandTimeout
	}
	return DefaultCommandTimeout
}

var runtimeGlobalHandlers = map[string]globalHandler{
	"commandtimeout": func(p *parser, t token, v string) error {
		n, ok := uintIn(extensionValue(v), 1, maxCommandTimeout)
		if !ok {
			return p.errorf(t.line, "invalid commandtimeout: a number of seconds from 1 to %d is required", maxCommandTimeout)
		}
		p.cfg.Global.CommandTimeout = time.Duration(n) * time.Second
		return nil
	},
	"checkoverload": func(p *parser, t token, v string) error {
		i, ok := lookupName(overloadNames, extensionValue(v))
		if !ok {
			return p.errorf(t.line, "checkoverload must be 'stretch' or 'fail'")
		}
		p.cfg.Global.CheckOverload = CheckOverload(i)
		return nil
	},
}

// extensionValue is the value of one of lvsctl's directives: without a
// comment after a blank and without surrounding blanks.
func extensionValue(v string) string { return bgpValue(v) }
