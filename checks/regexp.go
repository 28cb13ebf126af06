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
	var b strings.Builder
	inClass := false
	bad := func(what string) (string, error) {
		return "", fmt.Errorf("receive regexp %q: %s is not supported (Go RE2 cannot express it)", perl, what)
	}
	for i := 0; i < len(perl); i++ {
		c := perl[i]
		switch {
		case c == '\\':
			if i+1 >= len(perl) {
				return "", fmt.Errorf("receive regexp %q: trailing backslash", perl)
			}
			i++
			e := perl[i]
			switch e {
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				if inClass {
					// Octal inside a class in Perl; Go takes \ooo too.
					b.WriteByte('\\')
					b.WriteByte(e)
					continue
				}
				return bad("the backreference \\" + string(e))
			case 'g', 'k':
				return bad("the backreference \\" + string(e))
			case 'G', 'K', 'X':
				return bad("\\" + string(e))
			case 'Z':
				b.WriteString(`(?:\n?\z)`)
			case 'e':
				b.WriteString(`\x1b`)
			case 'h':
				writeClass(&b, inClass, perlH, false)
			case 'H', 'V':
				if inClass {
					return bad("\\" + string(e) + " in a character class")
				}
				writeClass(&b, inClass, map[byte]string{'H': perlH, 'V': perlV}[e], true)
			case 'v':
				writeClass(&b, inClass, perlV, false)
			case 'N':
				if i+1 < len(perl) && perl[i+1] == '{' {
					return bad(`\N{...}`)
				}
				b.WriteString(`[^\n]`)
			case 'R':
				if inClass {
					return bad(`\R in a character class`)
				}
				b.WriteString(`(?:\r\n|[` + perlV + `])`)
			case 'c':
				if i+1 >= len(perl) {
					return "", fmt.Errorf("receive regexp %q: trailing \\c", perl)
				}
				i++
				// \cX is the control character chr(ord(uc X) ^ 64).
				fmt.Fprintf(&b, `\x{%x}`, strings.ToUpper(perl[i : i+1])[0]^0x40)
			case 'o':
				return bad(`\o{...}`)
			case 'Q':
				// \Q...\E quotes literally; RE2 has it, spell it out anyway
				// so the class tracking above is not confused.
				end := strings.Index(perl[i+1:], `\E`)
				lit := perl[i+1:]
				if end >= 0 {
					lit = perl[i+1 : i+1+end]
					i += end + 2
				} else {
					i = len(perl)
				}
				b.WriteString(regexp.QuoteMeta(lit))
			case 'E':
				// Stray \E is ignored by Perl.
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		case inClass:
			if c == '[' && i+1 < len(perl) && perl[i+1] == ':' {
				// POSIX class [:name:] is copied whole.
				if end := strings.Index(perl[i:], ":]"); end > 0 {
					b.WriteString(perl[i : i+end+2])
					i += end + 1
					continue
				}
			}
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ] right after [ or [^ is literal.
			if i+1 < len(perl) && perl[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(perl) && perl[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '$':
			// Perl's $ also matches before a final newline.
			b.WriteString(`(?:$|\n\z)`)
		case c == '(' && i+1 < len(perl) && perl[i+1] == '?':
			rest := perl[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
				return bad("lookahead")
			case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return bad("lookbehind")
			case strings.HasPrefix(rest, ">"):
				return bad("an atomic group")
			case strings.HasPrefix(rest, "("):
				return bad("a conditional")
			case strings.HasPrefix(rest, "{"), strings.HasPrefix(rest, "?{"):
				return bad("embedded code")
			case strings.HasPrefix(rest, "|"):
				return bad("a branch reset group")
			case strings.HasPrefix(rest, "R"), strings.HasPrefix(rest, "&"),
				len(rest) > 0 && (rest[0] >= '0' && rest[0] <= '9' || rest[0] == '+' || rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'):
				return bad("recursion")
			case strings.HasPrefix(rest, "P="), strings.HasPrefix(rest, "P>"):
				return bad("a named backreference")
			case strings.HasPrefix(rest, "#"):
				// Comment group: drop it.
				end := strings.IndexByte(rest, ')')
				if end < 0 {
					return "", fmt.Errorf("receive regexp %q: unterminated comment", perl)
				}
				i += 2 + end
				continue
			case strings.HasPrefix(rest, "^"):
				return bad("(?^...)")
			}
			// Flag groups: (?i) (?i:...) (?-i) etc.
			j := 0
			for j < len(rest) && strings.IndexByte("imsxnpadlu-", rest[j]) >= 0 {
				j++
			}
			if j > 0 && j < len(rest) && (rest[j] == ')' || rest[j] == ':') {
				if strings.ContainsAny(rest[:j], "xnpadlu") {
					return bad("the inline modifier in (?" + rest[:j] + ")")
				}
			}
			b.WriteString("(?")
			i++
		case c == '+' && i > 0 && isQuantifierEnd(perl, i-1):
			return bad("a possessive quantifier")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
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
		if open < 0 {
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
