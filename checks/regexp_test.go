package checks

import (
	"net/netip"
	"strings"
	"testing"
)

var zeroAddr netip.Addr

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestTranslateRegexp(t *testing.T) {
	for _, tc := range []struct {
		perl string
		yes  []string
		no   []string
	}{
		{`^ok$`, []string{"ok", "ok\n"}, []string{"ok\n\n", "nok"}},
		{`ok\Z`, []string{"ok\n"}, []string{"ok\nx"}},
		{`\d+ items`, []string{"12 items"}, []string{"x items"}},
		{`a\hb`, []string{"a b", "a\tb"}, []string{"a\nb"}},
		{`a\vb`, []string{"a\nb"}, []string{"a b", "a\x0bx"}},
		{`\e\[`, []string{"\x1b["}, []string{"["}},
		{`\cA`, []string{"\x01"}, []string{"A"}},
		{`\Qa.b\E+`, []string{"a.bb"}, []string{"axb"}},
		{`[]a]`, []string{"]"}, []string{"b"}},
		{`[$]`, []string{"$"}, []string{""}},
		{`(?i)OK`, []string{"ok"}, []string{"ko"}},
		{`a(?#comment)b`, []string{"ab"}, []string{"a"}},
		{`a\N`, []string{"ab"}, []string{"a\n"}},
		{`x{2}`, []string{"xx"}, []string{"x"}},
		{`a\+\+`, []string{"a++"}, []string{"a"}},
	} {
		re, err := CompileReceive(tc.perl)
		if err != nil {
			t.Errorf("%q: %v", tc.perl, err)
			continue
		}
		for _, s := range tc.yes {
			if !re.MatchString(s) {
				t.Errorf("%q should match %q (as %q)", tc.perl, s, re)
			}
		}
		for _, s := range tc.no {
			if re.MatchString(s) {
				t.Errorf("%q should not match %q (as %q)", tc.perl, s, re)
			}
		}
	}
}

func TestTranslateRegexpRejects(t *testing.T) {
	for perl, want := range map[string]string{
		`foo(?=bar)`:   "lookahead",
		`foo(?!bar)`:   "lookahead",
		`(?<=a)b`:      "lookbehind",
		`(?<!a)b`:      "lookbehind",
		`(a)\1`:        "backreference",
		`(?<n>a)\k<n>`: "backreference",
		`a++`:          "possessive",
		`a*+`:          "possessive",
		`a{2}+`:        "possessive",
		`(?>a)`:        "atomic",
		`(a|(?R))`:     "recursion",
		`(?(1)a|b)`:    "conditional",
		`(?{ print })`: "embedded code",
		`\Gx`:          `\G`,
		`(?x) a b`:     "modifier",
		`a\`:           "trailing",
	} {
		_, err := CompileReceive(perl)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", perl, err, want)
		}
	}
}

// TestTranslateRegexpExact pins the exact translation, or the exact error
// text, of each construct TranslateRegexp treats specially: escapes in and
// out of a character class, class openers, $, (?...) groups and
// quantifiers followed by +.
func TestTranslateRegexpExact(t *testing.T) {
	for _, tc := range []struct{ perl, want, err string }{
		{`[\1]`, `[\1]`, ""},
		{`(a)\1`, "", `receive regexp "(a)\\1": the backreference \1 is not supported (Go RE2 cannot express it)`},
		{`\g1`, "", `receive regexp "\\g1": the backreference \g is not supported (Go RE2 cannot express it)`},
		{`\k<n>`, "", `receive regexp "\\k<n>": the backreference \k is not supported (Go RE2 cannot express it)`},
		{`\G`, "", `receive regexp "\\G": \G is not supported (Go RE2 cannot express it)`},
		{`\K`, "", `receive regexp "\\K": \K is not supported (Go RE2 cannot express it)`},
		{`\X`, "", `receive regexp "\\X": \X is not supported (Go RE2 cannot express it)`},
		{`a\Z`, `a(?:\n?\z)`, ""},
		{`\e`, `\x1b`, ""},
		{`\h`, `[\t \x{a0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]`, ""},
		{`[\h]`, `[\t \x{a0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]`, ""},
		{`\H`, `[^\t \x{a0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]`, ""},
		{`[\H]`, "", `receive regexp "[\\H]": \H in a character class is not supported (Go RE2 cannot express it)`},
		{`\V`, `[^\n\x0b\f\r\x{85}\x{2028}\x{2029}]`, ""},
		{`[\V]`, "", `receive regexp "[\\V]": \V in a character class is not supported (Go RE2 cannot express it)`},
		{`\v`, `[\n\x0b\f\r\x{85}\x{2028}\x{2029}]`, ""},
		{`[\v]`, `[\n\x0b\f\r\x{85}\x{2028}\x{2029}]`, ""},
		{`\N`, `[^\n]`, ""},
		{`\N{U+41}`, "", `receive regexp "\\N{U+41}": \N{...} is not supported (Go RE2 cannot express it)`},
		{`\R`, `(?:\r\n|[\n\x0b\f\r\x{85}\x{2028}\x{2029}])`, ""},
		{`[\R]`, "", `receive regexp "[\\R]": \R in a character class is not supported (Go RE2 cannot express it)`},
		{`\cA`, `\x{1}`, ""},
		{`\ca`, `\x{1}`, ""},
		{`\c`, "", `receive regexp "\\c": trailing \c`},
		{`\o{101}`, "", `receive regexp "\\o{101}": \o{...} is not supported (Go RE2 cannot express it)`},
		{`\Qa.b\E+c`, `a\.b+c`, ""},
		{`\Qa.b`, `a\.b`, ""},
		{`x\Ey`, `xy`, ""},
		{`\d\.`, `\d\.`, ""},
		{`a\`, "", `receive regexp "a\\": trailing backslash`},
		{`[[:alpha:]x]`, `[[:alpha:]x]`, ""},
		{`[[:a]`, `[[:a]`, ""},
		{`[a[b]`, `[a[b]`, ""},
		{`[^]a]`, `[^\]a]`, ""},
		{`[]a]`, `[\]a]`, ""},
		{`[^a]$`, `[^a](?:$|\n\z)`, ""},
		{`a[`, `a[`, ""},
		{`a[^`, `a[^`, ""},
		{`[a+]+`, `[a+]+`, ""},
		{`[$]`, `[$]`, ""},
		{`a$b`, `a(?:$|\n\z)b`, ""},
		{`(?=a)`, "", `receive regexp "(?=a)": lookahead is not supported (Go RE2 cannot express it)`},
		{`(?!a)`, "", `receive regexp "(?!a)": lookahead is not supported (Go RE2 cannot express it)`},
		{`(?<=a)`, "", `receive regexp "(?<=a)": lookbehind is not supported (Go RE2 cannot express it)`},
		{`(?<!a)`, "", `receive regexp "(?<!a)": lookbehind is not supported (Go RE2 cannot express it)`},
		{`(?>a)`, "", `receive regexp "(?>a)": an atomic group is not supported (Go RE2 cannot express it)`},
		{`(?(1)a)`, "", `receive regexp "(?(1)a)": a conditional is not supported (Go RE2 cannot express it)`},
		{`(?{1})`, "", `receive regexp "(?{1})": embedded code is not supported (Go RE2 cannot express it)`},
		{`(??{1})`, "", `receive regexp "(??{1})": embedded code is not supported (Go RE2 cannot express it)`},
		{`(?|a)`, "", `receive regexp "(?|a)": a branch reset group is not supported (Go RE2 cannot express it)`},
		{`(?R)`, "", `receive regexp "(?R)": recursion is not supported (Go RE2 cannot express it)`},
		{`(?&n)`, "", `receive regexp "(?&n)": recursion is not supported (Go RE2 cannot express it)`},
		{`(?1)`, "", `receive regexp "(?1)": recursion is not supported (Go RE2 cannot express it)`},
		{`(?+1)`, "", `receive regexp "(?+1)": recursion is not supported (Go RE2 cannot express it)`},
		{`(?-1)`, "", `receive regexp "(?-1)": recursion is not supported (Go RE2 cannot express it)`},
		{`(?-i)a`, `(?-i)a`, ""},
		{`(?P=n)`, "", `receive regexp "(?P=n)": a named backreference is not supported (Go RE2 cannot express it)`},
		{`(?P>n)`, "", `receive regexp "(?P>n)": a named backreference is not supported (Go RE2 cannot express it)`},
		{`a(?#c)b`, `ab`, ""},
		{`a(?#c`, "", `receive regexp "a(?#c": unterminated comment`},
		{`(?^i)`, "", `receive regexp "(?^i)": (?^...) is not supported (Go RE2 cannot express it)`},
		{`(?i)a`, `(?i)a`, ""},
		{`(?i:a)`, `(?i:a)`, ""},
		{`(?x)a`, "", `receive regexp "(?x)a": the inline modifier in (?x) is not supported (Go RE2 cannot express it)`},
		{`(?xi:a)`, "", `receive regexp "(?xi:a)": the inline modifier in (?xi) is not supported (Go RE2 cannot express it)`},
		{`(?i-s)a`, `(?i-s)a`, ""},
		{`(?-`, `(?-`, ""},
		{`(?P<n>a)`, `(?P<n>a)`, ""},
		{`(?<n>a)`, `(?<n>a)`, ""},
		{`a(?`, `a(?`, ""},
		{`(?i`, `(?i`, ""},
		{`(?x`, `(?x`, ""},
		{`(?ia`, `(?ia`, ""},
		{`a++`, "", `receive regexp "a++": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`a*+`, "", `receive regexp "a*+": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`a?+`, "", `receive regexp "a?+": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`a{2}+`, "", `receive regexp "a{2}+": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`a{2,}+`, "", `receive regexp "a{2,}+": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`a{,}+`, "", `receive regexp "a{,}+": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`\{2}+`, `\{2}+`, ""},
		{`a{}+`, `a{}+`, ""},
		{`a\++`, `a\++`, ""},
		{`a{x}+`, `a{x}+`, ""},
		{`}+`, `}+`, ""},
		{`+`, `+`, ""},
		{`a\\++`, "", `receive regexp "a\\\\++": a possessive quantifier is not supported (Go RE2 cannot express it)`},
		{`[\Q]\E]`, `[\]]`, ""},
		{`(?i)\Q(?x)\E`, `(?i)\(\?x\)`, ""},
	} {
		got, err := TranslateRegexp(tc.perl)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || got != "" {
				t.Errorf("%#q: got %#q, error %v, want error %s", tc.perl, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%#q: got %#q, error %v, want %#q", tc.perl, got, err, tc.want)
		}
	}
}
