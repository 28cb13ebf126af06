package ldconf

import "testing"

// resync is lvsctl's global yes/no directive: off unless given, read like
// ldirectord's own yes/no directives, and refused inside a virtual.
func TestResyncDirective(t *testing.T) {
	const block = "virtual=192.0.2.1:80\n\treal=10.0.0.2:80 gate\n"
	if c := mustParse(t, block); c.Global.Resync {
		t.Error("resync is on without the directive")
	}
	if c := mustParse(t, "resync = yes\n"+block); !c.Global.Resync {
		t.Error("resync = yes: off")
	}
	if c := mustParse(t, "resync=yes\nresync=no\n"+block); c.Global.Resync {
		t.Error("resync=no after yes: on")
	}
	if msg, line, _ := parseErr(t, "resync=maybe\n"+block); msg != "resync must be 'yes' or 'no'" || line != 1 {
		t.Errorf("resync=maybe: line %d %q", line, msg)
	}
	if msg, line, _ := parseErr(t, block+"\tresync=yes\n"); msg != "Unknown command \"\tresync=yes\"" || line != 3 {
		t.Errorf("resync in a block: line %d %q", line, msg)
	}
}
