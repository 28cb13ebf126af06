package checks

import (
	"fmt"
	"regexp"
	"strings"
)

// Receive strings are Perl regular expressions, matched by ldirectord as
// `$text =~ /$receive/`. TranslateRegexp rewrites the Perl constructs that
// Go's RE2 spells differently and rejects those RE2 cannot express, so a
// config is refused when it is loaded instead of failing every check.

// horizontal and vertical whitespace as Perl's \h and \v define them.
const (
	perlH = `\t \x{a0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}`
	perlV = `\n\x0b\f\r\x{85}\x{2028}\x{2029}`
)

// TranslateRegexp converts a Perl regexp to Go RE2 syntax. It returns an
// error naming the construct for lookarounds, backreferences, possessive
// quantifiers, atomic groups, recursion, conditionals, code blocks, \G, \K
// and the x flag.
func TranslateRegexp(perl string) (string, error) {
	t := &perlTranslator{perl: perl}
	for ; t.i < len(perl); t.i++ {
		if err := t.step(); err != nil {
			return "", err
		}
	}
	return t.b.String(), nil
}

// perlTranslator is TranslateRegexp's state: the byte at perl[i] is
// translated next, and inClass tells whether it is inside [...].
type perlTranslator struct {
	perl    string
	i       int
	inClass bool
	b       strings.Builder
}

// step translates the construct starting at perl[i], leaving i on its last
// byte.
func (t *perlTranslator) step() error {
	c := t.perl[t.i]
	switch {
	case c == '\\':
		return t.escape()
	case t.inClass:
		t.classByte(c)
	case c == '[':
		t.openClass()
	case c == '$':
		// Perl's $ also matches before a final newline.
		t.b.WriteString(`(?:$|\n\z)`)
	case c == '(' && t.next(1) == '?':
		return t.group()
	case c == '+' && t.i > 0 && isQuantifierEnd(t.perl, t.i-1):
		return t.unsupported("a possessive quantifier")
	default:
		t.b.WriteByte(c)
	}
	return nil
}

// next is the byte n after perl[i], or 0 past the end.
func (t *perlTranslator) next(n int) byte {
	if t.i+n < len(t.perl) {
		return t.perl[t.i+n]
	}
	return 0
}

// unsupported refuses a construct RE2 cannot express.
func (t *perlTranslator) unsupported(what string) error {
	return fmt.Errorf("receive regexp %q: %s is not supported (Go RE2 cannot express it)", t.perl, what)
}

// escape translates the backslash at perl[i] and what it escapes.
func (t *perlTranslator) escape() error {
	if t.i+1 >= len(t.perl) {
		return fmt.Errorf("receive regexp %q: trailing backslash", t.perl)
	}
	t.i++
	e := t.perl[t.i]
	switch e {
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if !t.inClass {
			return t.unsupported("the backreference \\" + string(e))
		}
		// Octal inside a class in Perl; Go takes \ooo too.
		t.b.WriteByte('\\')
		t.b.WriteByte(e)
	case 'g', 'k':
		return t.unsupported("the backreference \\" + string(e))
	case 'G', 'K', 'X':
		return t.unsupported("\\" + string(e))
	case 'Z':
		t.b.WriteString(`(?:\n?\z)`)
	case 'e':
		t.b.WriteString(`\x1b`)
	case 'h':
		writeClass(&t.b, t.inClass, perlH, false)
	case 'v':
		writeClass(&t.b, t.inClass, perlV, false)
	case 'H', 'V':
		if t.inClass {
			return t.unsupported("\\" + string(e) + " in a character class")
		}
		writeClass(&t.b, t.inClass, map[byte]string{'H': perlH, 'V': perlV}[e], true)
	case 'N':
		if t.next(1) == '{' {
			return t.unsupported(`\N{...}`)
		}
		t.b.WriteString(`[^\n]`)
	case 'R':
		if t.inClass {
			return t.unsupported(`\R in a character class`)
		}
		t.b.WriteString(`(?:\r\n|[` + perlV + `])`)
	case 'c':
		return t.control()
	case 'o':
		return t.unsupported(`\o{...}`)
	case 'Q':
		t.quote()
	case 'E':
		// Stray \E is ignored by Perl.
	default:
		t.b.WriteByte('\\')
		t.b.WriteByte(e)
	}
	return nil
}

// control translates \cX, with perl[i] on the c, to the control character
// chr(ord(uc X) ^ 64).
func (t *perlTranslator) control() error {
	if t.i+1 >= len(t.perl) {
		return fmt.Errorf("receive regexp %q: trailing \\c", t.perl)
	}
	t.i++
	fmt.Fprintf(&t.b, `\x{%x}`, strings.ToUpper(t.perl[t.i : t.i+1])[0]^0x40)
	return nil
}

// quote translates \Q...\E, with perl[i] on the Q, to the quoted text
// escaped. RE2 has \Q too; it is spelled out anyway so that the class
// tracking is not confused by a quoted [ or ].
func (t *perlTranslator) quote() {
	lit := t.perl[t.i+1:]
	if end := strings.Index(lit, `\E`); end >= 0 {
		lit = lit[:end]
		t.i += end + 2
	} else {
		t.i = len(t.perl)
	}
	t.b.WriteString(regexp.QuoteMeta(lit))
}

// openClass translates the [ at perl[i] that opens a character class.
func (t *perlTranslator) openClass() {
	t.inClass = true
	t.b.WriteByte('[')
	// A ] right after [ or [^ is literal.
	if t.next(1) == '^' {
		t.b.WriteByte('^')
		t.i++
	}
	if t.next(1) == ']' {
		t.b.WriteString(`\]`)
		t.i++
	}
}

// classByte copies c, a byte inside a character class other than a
// backslash; a ] closes the class.
func (t *perlTranslator) classByte(c byte) {
	if c == '[' && t.next(1) == ':' {
		// POSIX class [:name:] is copied whole.
		if end := strings.Index(t.perl[t.i:], ":]"); end > 0 {
			t.b.WriteString(t.perl[t.i : t.i+end+2])
			t.i += end + 1
			return
		}
	}
	if c == ']' {
		t.inClass = false
	}
	t.b.WriteByte(c)
}

// group translates the "(?" at perl[i]: it drops a comment group, refuses
// the extended groups RE2 lacks and copies the rest.
func (t *perlTranslator) group() error {
	rest := t.perl[t.i+2:]
	if what := unsupportedGroup(rest); what != "" {
		return t.unsupported(what)
	}
	if strings.HasPrefix(rest, "#") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return fmt.Errorf("receive regexp %q: unterminated comment", t.perl)
		}
		t.i += 2 + end
		return nil
	}
	// Flag groups: (?i) (?i:...) (?-i) etc.
	j := 0
	for j < len(rest) && strings.IndexByte("imsxnpadlu-", rest[j]) >= 0 {
		j++
	}
	if j > 0 && j < len(rest) && (rest[j] == ')' || rest[j] == ':') && strings.ContainsAny(rest[:j], "xnpadlu") {
		return t.unsupported("the inline modifier in (?" + rest[:j] + ")")
	}
	t.b.WriteString("(?")
	t.i++
	return nil
}

// unsupportedGroup names the construct of a group that starts "(?"+rest
// when RE2 has no equivalent, else returns "".
func unsupportedGroup(rest string) string {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(rest, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("=", "!"):
		return "lookahead"
	case has("<=", "<!"):
		return "lookbehind"
	case has(">"):
		return "an atomic group"
	case has("("):
		return "a conditional"
	case has("{", "?{"):
		return "embedded code"
	case has("|"):
		return "a branch reset group"
	case has("R", "&"),
		len(rest) > 0 && (rest[0] >= '0' && rest[0] <= '9' || rest[0] == '+' || rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'):
		return "recursion"
	case has("P=", "P>"):
		return "a named backreference"
	case has("^"):
		return "(?^...)"
	}
	return ""
}

// isQuantifierEnd reports whether perl[i] closes a quantifier, so that a
// following + makes it possessive.
func isQuantifierEnd(perl string, i int) bool {
	if escaped(perl, i) {
		return false
	}
	switch perl[i] {
	case '*', '+', '?':
		return true
	case '}':
		open := strings.LastIndexByte(perl[:i], '{')
		if open < 0 || escaped(perl, open) {
			// \{2}+ is a literal "{2" and then "}" repeated.
			return false
		}
		inner := perl[open+1 : i]
		return inner != "" && strings.Trim(inner, "0123456789,") == ""
	}
	return false
}

// escaped reports whether perl[i] is preceded by an odd number of backslashes.
func escaped(perl string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && perl[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// writeClass writes a class of set (negated if asked), or just set inside a
// class.
func writeClass(b *strings.Builder, inClass bool, set string, negate bool) {
	switch {
	case inClass:
		b.WriteString(set)
	case negate:
		b.WriteString("[^" + set + "]")
	default:
		b.WriteString("[" + set + "]")
	}
}

// CompileReceive compiles a Perl receive regexp into a Go regexp.
func CompileReceive(perl string) (*regexp.Regexp, error) {
	s, err := TranslateRegexp(perl)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("receive regexp %q: %w", perl, err)
	}
	return re, nil
}

// matcher matches like Perl's /$receive/; an empty receive matches
// anything (Perl would reuse the last successful pattern, which depends on
// whatever the daemon matched before: no sane config relies on it).
func matcher(receive string) (func(string) bool, error) {
	if receive == "" {
		return func(string) bool { return true }, nil
	}
	re, err := CompileReceive(receive)
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}
