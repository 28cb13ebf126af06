package cli

import (
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// main runs an lvsctl command line on the test factory's streams.
func (tf *testFactory) main(args ...string) (string, string, int) {
	tf.out.Reset()
	tf.errOut.Reset()
	code := Main(append([]string{"lvsctl"}, args...), tf.Factory)
	return tf.out.String(), tf.errOut.String(), code
}

// A first word that is not an option and names no command is an unknown
// command, with cobra's suggestions, exit 2; nothing reaches ipvsadm's
// grammar (the fake table would be listed or touched).
func TestUnknownCommand(t *testing.T) {
	for _, c := range []struct{ word, want string }{
		{"drian", "lvsctl: unknown command \"drian\" for \"lvsctl\"\n\nDid you mean this?\n\tdrain\n\nRun 'lvsctl --help' for usage.\n"},
		{"stauts", "lvsctl: unknown command \"stauts\" for \"lvsctl\"\n\nDid you mean this?\n\tstatus\n\nRun 'lvsctl --help' for usage.\n"},
		{"ldirector", "lvsctl: unknown command \"ldirector\" for \"lvsctl\"\n\nDid you mean this?\n\tldirectord\n\nRun 'lvsctl --help' for usage.\n"},
		{"list", "lvsctl: unknown command \"list\" for \"lvsctl\"\nRun 'lvsctl --help' for usage.\n"},
	} {
		fake := ipvstest.NewFake()
		tf := newTestFactory().withIPVS(fake)
		out, errOut, code := tf.main(c.word, "-n")
		if code != 2 || out != "" || errOut != c.want {
			t.Errorf("lvsctl %s: exit %d, stdout %q, stderr %q; want 2 and %q", c.word, code, out, errOut, c.want)
		}
	}
}

// Words starting with '-' are ipvsadm's grammar under lvsctl's name, as
// before the command tree: the same bytes and statuses as LvsctlMain.
func TestDashWordsStayIpvsadms(t *testing.T) {
	for _, args := range [][]string{{"-L", "-n"}, {"--frob"}, {"-A", "-t", "10.0.0.1:80", "-s", "nope", "-x"}, {""}, {"-h", "x"}, {"--version", "x"}} {
		want := newTestFactory().withIPVS(ipvstest.NewFake())
		wcode := LvsctlMain(append([]string{"lvsctl"}, args...), want.Factory)
		tf := newTestFactory().withIPVS(ipvstest.NewFake())
		out, errOut, code := tf.main(args...)
		if code != wcode || out != want.out.String() || errOut != want.errOut.String() {
			t.Errorf("lvsctl %q: exit %d %q %q; ipvsadm's grammar gives %d %q %q", args, code, out, errOut, wcode, want.out.String(), want.errOut.String())
		}
	}
}

// lvsctl help CMD is lvsctl CMD -h, byte for byte, and every usage line
// names lvsctl.
func TestHelpCommand(t *testing.T) {
	tf := newTestFactory().withIPVS(ipvstest.NewFake())
	root := newRootCmd(tf.Factory)
	for _, c := range root.Commands() {
		name := c.Name()
		hOut, hErr, hCode := tf.main(name, "-h")
		out, errOut, code := tf.main("help", name)
		if out != hOut || errOut != hErr || code != hCode {
			t.Errorf("lvsctl help %s: exit %d %q %q; lvsctl %s -h: %d %q %q", name, code, out, errOut, name, hCode, hOut, hErr)
		}
		if code != 0 || errOut != "" {
			t.Errorf("lvsctl help %s: exit %d, stderr %q", name, code, errOut)
		}
		switch name {
		case "ipvsadm":
			if !strings.Contains(out, "\n  ipvsadm -A|E virtual-service") {
				t.Errorf("lvsctl ipvsadm -h is not ipvsadm's usage:\n%s", out)
			}
		case "ldirectord":
			if !strings.HasPrefix(out, ldUsage) {
				t.Errorf("lvsctl ldirectord -h is not ldirectord's usage:\n%s", out)
			}
		default:
			if !strings.Contains(out, "Usage:\n  lvsctl "+name+" ") {
				t.Errorf("lvsctl %s -h has no usage line naming lvsctl:\n%s", name, out)
			}
		}
	}
	if out, errOut, code := tf.main("help", "drian"); code != 2 || out != "" || !strings.Contains(errOut, "unknown command \"drian\"") || !strings.Contains(errOut, "\tdrain\n") {
		t.Errorf("lvsctl help drian: exit %d, %q %q", code, out, errOut)
	}
	// help alone is lvsctl -h
	want, _, _ := tf.main("-h")
	for _, args := range [][]string{{"help"}, {"help", "--help"}} {
		if out, errOut, code := tf.main(args...); out != want || errOut != "" || code != 0 {
			t.Errorf("lvsctl %q: exit %d, stderr %q, not lvsctl -h's text", args, code, errOut)
		}
	}
}

// A bad flag names the flag it may have been, and where the usage is.
func TestFlagErrorPointsAtHelp(t *testing.T) {
	tf := newTestFactory()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"drain", "--timout", "5s"}, "lvsctl drain: unknown flag: --timout (did you mean --timeout?)\nRun 'lvsctl drain --help' for usage.\n"},
		{[]string{"status", "--frob"}, "lvsctl status: unknown flag: --frob\nRun 'lvsctl status --help' for usage.\n"},
		{[]string{"metrics", "-x"}, "lvsctl metrics: unknown shorthand flag: 'x' in -x\nRun 'lvsctl metrics --help' for usage.\n"},
		{[]string{"version", "extra"}, "lvsctl version: unexpected arguments [\"extra\"]\nRun 'lvsctl version --help' for usage.\n"},
	} {
		if out, errOut, code := tf.main(c.args...); code != 2 || out != "" || errOut != c.want {
			t.Errorf("lvsctl %q: exit %d, %q %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
}

// completion -h shows completion's usage, not a tree with a nested
// completion command.
func TestCompletionHelpNotNested(t *testing.T) {
	out, _, code := newTestFactory().main("completion", "-h")
	if code != 0 || strings.Contains(out, "completion completion") || strings.Contains(out, "Available Commands") ||
		!strings.Contains(out, "Usage:\n  lvsctl completion bash|zsh|fish [lvsctl|ipvsadm|ldirectord] [flags]\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// lvsctl ipvsadm is ipvsadm exactly: its name in messages, none of
// lvsctl's additions.
func TestIpvsadmSubcommand(t *testing.T) {
	for _, args := range [][]string{{"-L", "-n"}, {"-L", "--json"}, {"-Lc", "--templates"}, {"-R", "--atomic"}, {"--frob"}, {"-v"}} {
		want := newTestFactory().withIPVS(ipvstest.NewFake())
		wcode := IpvsadmMain(append([]string{"ipvsadm"}, args...), want.Factory)
		tf := newTestFactory().withIPVS(ipvstest.NewFake())
		out, errOut, code := tf.main(append([]string{"ipvsadm"}, args...)...)
		if code != wcode || out != want.out.String() || errOut != want.errOut.String() {
			t.Errorf("lvsctl ipvsadm %q: exit %d %q %q; ipvsadm gives %d %q %q", args, code, out, errOut, wcode, want.out.String(), want.errOut.String())
		}
	}
}

// A command line of the wrong shape (arguments missing or too many) is a
// usage error that points at the command's --help, as a bad flag is.
func TestArgumentErrorsPointAtHelp(t *testing.T) {
	tf := newTestFactory()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--real", "10.0.0.2:80", "extra"}, "lvsctl check: unexpected arguments [\"extra\"] (VIRTUAL and REAL go with -c CONFIG)\nRun 'lvsctl check --help' for usage.\n"},
		{[]string{"check", "-c", "x.cf", "192.0.2.1:80"}, "lvsctl check: -c CONFIG needs VIRTUAL and REAL, got 1 argument\nRun 'lvsctl check --help' for usage.\n"},
		{[]string{"check", "--service", "http"}, "lvsctl check: --real is required (or -c CONFIG VIRTUAL REAL)\nRun 'lvsctl check --help' for usage.\n"},
		{[]string{"diff"}, "lvsctl diff: want one FILE (ipvsadm -S form, - for standard input), got 0 arguments\nRun 'lvsctl diff --help' for usage.\n"},
		{[]string{"apply", "a", "b"}, "lvsctl apply: want one FILE (ipvsadm -S form, - for standard input), got 2 arguments\nRun 'lvsctl apply --help' for usage.\n"},
		{[]string{"metrics", "extra"}, "lvsctl metrics: unexpected arguments [\"extra\"]\nRun 'lvsctl metrics --help' for usage.\n"},
		{[]string{"completion", "csh"}, "lvsctl completion: unknown shell \"csh\": bash, zsh or fish\nRun 'lvsctl completion --help' for usage.\n"},
	} {
		if out, errOut, code := tf.main(c.args...); code != 2 || out != "" || errOut != c.want {
			t.Errorf("lvsctl %q: exit %d, %q %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
}
