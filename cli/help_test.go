package cli

import (
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// lvsctl -h is ipvsadm's usage, then lvsctl's options and every
// subcommand, without reaching IPVS (the unit tests' machine has none).
func TestLvsctlHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "help"} {
		out, errOut, code := runMain(arg)
		if code != 0 || errOut != "" {
			t.Fatalf("lvsctl %s: exit %d, stderr %q", arg, code, errOut)
		}
		if !strings.HasPrefix(out, ipvsadm.Usage("lvsctl")+"\nlvsctl's additions") {
			t.Errorf("lvsctl %s does not start with ipvsadm's usage then lvsctl's additions:\n%s", arg, out)
		}
		for _, want := range []string{
			"  lvsctl -L|l [virtual-service] [options] --json\n",
			"--stats,\n        --rate, --thresholds, --persistent-conn), -L -c, --timeout, --daemon\n",
			"  lvsctl -L -c --templates [-n] [--json]\n",
			"  lvsctl -R --atomic\n",
			"  --json ", "  --templates ", "  --atomic ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("lvsctl %s lacks %q", arg, want)
			}
		}
		root := newRootCmd(newTestFactory().Factory)
		root.InitDefaultHelpCmd()
		for _, c := range root.Commands() {
			if c.Hidden {
				continue
			}
			if !strings.Contains(out, "\n  lvsctl "+c.Use+"\n        "+lowerFirst(c.Short)+"\n") {
				t.Errorf("lvsctl %s does not list %s with its synopsis", arg, c.Name())
			}
		}
	}
}

// Named ipvsadm, -h is ipvsadm 1.31's text, byte for byte, and nothing of
// lvsctl's.
func TestIpvsadmHelpUnchanged(t *testing.T) {
	tf := newTestFactory().withIPVS(ipvstest.NewFake())
	if code := IpvsadmMain([]string{"ipvsadm", "-h"}, tf.Factory); code != 0 || tf.errOut.Len() != 0 {
		t.Fatalf("ipvsadm -h: exit %d, %q", code, tf.errOut.String())
	}
	if out := tf.out.String(); out != ipvsadm.Usage("ipvsadm") || strings.Contains(out, "json") {
		t.Errorf("ipvsadm -h:\n%s", out)
	}
}
