package ldconf

import (
	"testing"
	"time"
)

// commandtimeout and checkoverload: unset they are the defaults (30 s,
// stretch) and leave the model as before; set, the whole value must be
// valid; a comment may follow; inside a block they are an error that
// says they are global.
func TestRuntimeDirectives(t *testing.T) {
	const virt = "virtual=192.0.2.1:80\n\treal=10.0.0.2:80 gate\n"
	g := mustParse(t, virt).Global
	if g.CommandTimeout != 0 || g.CommandTimeoutOrDefault() != 30*time.Second || g.CheckOverload != OverloadStretch {
		t.Errorf("defaults: %v (%v), %v", g.CommandTimeout, g.CommandTimeoutOrDefault(), g.CheckOverload)
	}
	g = mustParse(t, "commandtimeout = 5 # short\ncheckoverload=fail\n"+virt).Global
	if g.CommandTimeoutOrDefault() != 5*time.Second || g.CheckOverload != OverloadFail || g.CheckOverload.String() != "fail" {
		t.Errorf("set: %v, %v", g.CommandTimeoutOrDefault(), g.CheckOverload)
	}
	if g := mustParse(t, "checkoverload = stretch\n"+virt).Global; g.CheckOverload != OverloadStretch {
		t.Errorf("stretch: %v", g.CheckOverload)
	}
	for _, c := range []struct{ src, msg string }{
		{"commandtimeout=0\n", "invalid commandtimeout: a number of seconds from 1 to 3600 is required"},
		{"commandtimeout=3601\n", "invalid commandtimeout: a number of seconds from 1 to 3600 is required"},
		{"commandtimeout=10s\n", "invalid commandtimeout: a number of seconds from 1 to 3600 is required"},
		{"commandtimeout=\n", "invalid commandtimeout: a number of seconds from 1 to 3600 is required"},
		{"checkoverload=yes\n", "checkoverload must be 'stretch' or 'fail'"},
		{"checkoverload=Stretch\n", "checkoverload must be 'stretch' or 'fail'"},
		{virt + "\tcommandtimeout=5\n", "commandtimeout is a global directive: it cannot be inside a virtual block"},
		{virt + "\tcheckoverload=fail\n", "checkoverload is a global directive: it cannot be inside a virtual block"},
	} {
		msg, line, code := parseErr(t, c.src)
		if msg != c.msg || code != ExitConfigError {
			t.Errorf("%q: %q (line %d, exit %d), want %q", c.src, msg, line, code, c.msg)
		}
	}
}
