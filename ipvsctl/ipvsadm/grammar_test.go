package ipvsadm

import "testing"

// The names the types print are the ones ipvsadm's messages use.
func TestGrammarNames(t *testing.T) {
	for _, c := range []struct {
		got  interface{ String() string }
		want string
	}{
		{CmdAdd, "add-service"},
		{CmdTimeout, "set"},
		{CmdZero, "zero"},
		{CmdNone, "Cmd(0)"},
		{Cmd(99), "Cmd(99)"},
		{OptNumeric, "numeric"},
		{OptService, "service-address"},
		{OptTunRemCsum, "tun-remcsum"},
		{noBit, "Option(-1)"},
		{Options(0), ""},
		{optionSet(OptService, OptNumeric, OptTunCsum), "numeric,service-address,tun-csum"},
		{Format(0), ""},
		{FmtRule | FmtNumeric, "numeric,rule"},
		{FmtTunInfo | 1<<12, "tun-info,0x1000"},
	} {
		if s := c.got.String(); s != c.want {
			t.Errorf("%#v: %q, want %q", c.got, s, c.want)
		}
	}
}

// Every option of ipvsadm's grammar has a row, and only the rows that
// set no bit may repeat.
func TestOptionTableCoversEveryOption(t *testing.T) {
	rows := map[Option]int{}
	for _, o := range optionTable {
		rows[o.bit]++
	}
	for o := range numOpts {
		if rows[o] == 0 {
			t.Errorf("no row sets %s", o)
		}
	}
	if rows[noBit] != 2 { // -6 and --sort
		t.Errorf("%d rows set no bit", rows[noBit])
	}
	for _, g := range []*grammar{ipvsadmGrammar, lvsctlGrammar} {
		if len(g.specs) != len(g.commands)+len(g.options) {
			t.Errorf("specs %d for %d commands and %d options", len(g.specs), len(g.commands), len(g.options))
		}
	}
	if lvsctlGrammar.ext != len(commandTable)+len(optionTable) || ipvsadmGrammar.ext != len(ipvsadmGrammar.specs) {
		t.Errorf("extensions start at %d and %d", lvsctlGrammar.ext, ipvsadmGrammar.ext)
	}
}
