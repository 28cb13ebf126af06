package director

import (
	"errors"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ldconf"
)

// The texts the daemon writes to stderr and its log at start and reload
// never hold a passwd= or secret= value, and are ldirectord's byte for
// byte otherwise (the Unknown command line break included).
func TestConfigTextRedactsSecrets(t *testing.T) {
	const secret = "Pl4nted-S3cret"
	parse := func(src string) (*ldconf.Config, error) {
		return ldconf.Parse("/etc/ha.d/ldirectord.cf", strings.NewReader(src), ldconf.WithDebug(true), ldconf.WithHostname("lb"))
	}
	for src, want := range map[string]string{
		"virtual=192.0.2.1:110\n\tpasswd=" + secret + "\n\treal=10.0.0.2 masq\n": "Error [42] reading file /etc/ha.d/ldirectord.cf at line 2: Unknown command \"\tpasswd=<redacted>\n\"\n",
		"secret = \"" + secret + "\"\n":                                          "Error [42] reading file /etc/ha.d/ldirectord.cf at line 1: Unknown command secret = <redacted>\n \n",
	} {
		_, err := parse(src)
		if got := ConfigErrorText(err, "/etc/ha.d/ldirectord.cf", 42); got != want {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	}
	// Messages from elsewhere than ldconf (a check that cannot be built).
	var pe error = &PlanError{Line: 7, Err: errors.New(`receive regexp "passwd=` + secret + `": lookahead is not supported`)}
	if got, want := ConfigErrorText(pe, "x.cf", 1), "Error [1] reading file x.cf at line 7: receive regexp \"passwd=<redacted>\n"; got != want {
		t.Errorf("plan error:\n got %q\nwant %q", got, want)
	}
	// Warnings quoting a real line.
	cfg, err := parse("virtual=192.0.2.1:110\n\treal=10.0.0.2 masq passwd=" + secret + " 5\n")
	if err != nil || len(cfg.Warnings) == 0 {
		t.Fatalf("%v %v", err, cfg)
	}
	for _, w := range cfg.Warnings {
		if got := ConfigWarningText(w, "x.cf", 1); strings.Contains(got, secret) {
			t.Errorf("warning shows the secret: %q", got)
		}
	}
	if got, want := ConfigWarningText(cfg.Warnings[0], "x.cf", 1), "Warning [1] reading file x.cf at line 2: ignored by ldirectord: \"passwd=<redacted>\"\n"; got != want {
		t.Errorf("warning:\n got %q\nwant %q", got, want)
	}
}
