package ldconf

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/lvsctl/lvsctl/checks"
)

// Secrets never reach an error, a warning, a log line or JSON: the values
// of passwd= and secret= (and of any directive whose name holds passwd,
// password or secret, whatever its case, a misspelt one included) are
// shown as <redacted>. ldirectord quotes an unknown line whole; lvsctl
// quotes it byte for byte except the secret (docs/compat.md).

// secretName is a secret-bearing directive name.
const secretName = `(?:passwd|password|secret)[A-Za-z0-9_]*`

var (
	// reSecretAssign is NAME = VALUE anywhere: the value is the rest of the
	// line, as ldirectord's passwd= and secret= take it.
	reSecretAssign = regexp.MustCompile(`(?i)(` + secretName + ws + `*=` + ws + `*)([^\t\n\x0B\f\r ].*)`)
	// reSecretWord is a line starting with NAME and a blank or a colon
	// instead of "=": a typo that still holds the secret. (NAME = VALUE is
	// reSecretAssign's.)
	reSecretWord = regexp.MustCompile(`(?im)^(` + ws + `*` + secretName + `(?:` + ws + `*:` + ws + `*|` + ws + `+))([^\t\n\x0B\f\r =].*)`)
)

// Redact hides the secret values in a line of configuration (each line of
// a multi-line text on its own). A value already shown as <redacted> is
// left alone, so Redact can be applied again to a message built from
// redacted text.
func Redact(line string) string {
	return redactWith(redactWith(line, reSecretAssign), reSecretWord)
}

// RedactMessage hides the secret values a message quotes as NAME=VALUE.
// It is Redact without the typo rule, which could take an ordinary
// message starting with such a word for a configuration line. lvsctl's
// own syntax hints (bgppeer's "password=SECRET") are left as written.
func RedactMessage(msg string) string {
	parts := strings.Split(msg, bgpPeerSyntax)
	for i := range parts {
		parts[i] = redactWith(parts[i], reSecretAssign)
	}
	return strings.Join(parts, bgpPeerSyntax)
}

func redactWith(s string, re *regexp.Regexp) string {
	if !strings.ContainsAny(s, "pPsS") {
		return s
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		if strings.HasPrefix(sub[2], checks.Redacted) {
			return m
		}
		return sub[1] + checks.Redacted
	})
}

// virtualFields is Virtual without its methods, for printing.
type virtualFields Virtual

func (v Virtual) redacted() virtualFields {
	if v.Passwd != "" {
		v.Passwd = checks.Redacted
	}
	if v.Secret != "" {
		v.Secret = checks.Redacted
	}
	return virtualFields(v)
}

// MarshalJSON writes the virtual with its passwd and secret redacted.
func (v Virtual) MarshalJSON() ([]byte, error) { return json.Marshal(v.redacted()) }

// Format prints the virtual as fmt would, its passwd and secret redacted,
// whatever the verb.
func (v Virtual) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), v.redacted())
}
