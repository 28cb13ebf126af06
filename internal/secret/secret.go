// Package secret holds passwords that must never reach a log, an error, a
// status, a metric or JSON: every way of printing or marshalling one gives
// "<redacted>", and only Reveal gives the text, to hand it to the kernel.
package secret

import (
	"fmt"
	"io"
)

// Redacted is what a set secret prints as.
const Redacted = "<redacted>"

// String is a secret text; the zero value is the empty (unset) secret.
// The text sits behind a pointer so that even fmt's reflection over an
// unexported field shows an address, not the text.
type String struct{ p *string }

// New returns a secret holding s (unset when s is empty).
func New(s string) String {
	if s == "" {
		return String{}
	}
	return String{p: &s}
}

// Reveal returns the text.
func (s String) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsSet reports whether the secret is not empty.
func (s String) IsSet() bool { return s.p != nil }

// Equal compares the texts (== would compare the pointers).
func (s String) Equal(o String) bool { return s.Reveal() == o.Reveal() }

// String implements fmt.Stringer: "<redacted>", or "" when unset.
func (s String) String() string {
	if s.p == nil {
		return ""
	}
	return Redacted
}

// GoString implements fmt.GoStringer (%#v).
func (s String) GoString() string { return fmt.Sprintf("secret.String(%q)", s.String()) }

// Format implements fmt.Formatter, so that no verb (%x, %q, %v...) prints
// the text.
func (s String) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	io.WriteString(f, s.String())
}

// MarshalText implements encoding.TextMarshaler (JSON included).
func (s String) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
