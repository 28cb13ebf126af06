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
