package checks

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Redacted is what a password or secret prints as.
const Redacted = "<redacted>"

// redacted is t with its password and secret hidden.
func (t Target) redacted() targetFields {
	if t.Passwd != "" {
		t.Passwd = Redacted
	}
	if t.Secret != "" {
		t.Secret = Redacted
	}
	return targetFields(t)
}

// targetFields is Target without its methods, for printing.
type targetFields Target

// Format prints the target as fmt would, its password and secret
// redacted, whatever the verb.
func (t Target) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), t.redacted())
}

// MarshalJSON writes the target with its password and secret redacted.
func (t Target) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

// maxReason bounds a reason: it goes to logs, the status table and the
// monitor file, and much of it may come from the server.
const maxReason = 256

// scrub makes a result safe to show: the target's password and secret
// never appear in it (a server may echo what it was sent, "-ERR unknown
// command PASS ..."), control characters from the server are replaced
// (they would forge lines in a log), and the reason is bounded.
func (t *Target) scrub(r Result) Result {
	var secrets []string
	for _, s := range []string{t.Passwd, t.Secret} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	r.Reason = clip(printable(hide(r.Reason, secrets)), maxReason)
	if r.Err != nil {
		if msg := r.Err.Error(); hide(msg, secrets) != msg {
			r.Err = &redactedError{msg: hide(msg, secrets), err: r.Err}
		}
	}
	return r
}

func hide(s string, secrets []string) string {
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, Redacted)
	}
	return s
}

// redactedError is an error whose text had a secret in it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// printable replaces control characters and invalid UTF-8 with "?".
func printable(s string) string {
	ok := utf8.ValidString(s)
	for i := 0; ok && i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			ok = false
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "?") {
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - 3
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// short trims text from the server for a reason: one line's worth.
func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
