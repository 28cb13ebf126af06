package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A kernel listing as /proc/net/ip_vs has it: two TCP services, a UDP
// one and a firewall mark.
const procIPVS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C0000264:0050 rr 
  -> 0A0A0102:0050      Masq    1      2          3         
  -> 0A0A0202:0050      Masq    1      0          0         
TCP  C0000265:01BB wlc 
  -> 0A0A0103:01BB      Masq    1      0          0         
UDP  C0000264:0035 rr 
  -> 0A0A0104:0035      Masq    1      0          0         
FWM  00000007 rr 
  -> 0A0A0302:0000      Route   0      0          0         
`

// The completion of ipvsadm's grammar, under the names lvsctl and
// ipvsadm: option names, schedulers, the live table's services and reals.
func TestCompleteIpvsadmWords(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ip_vs")
	if err := os.WriteFile(file, []byte(procIPVS), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ipvsadm", "-A", "-t", "192.0.2.1:80", "-s", "w"}, "wrr\nwlc\n:4\n"},
		{[]string{"-Ls", "l"}, "lc\nlblc\nlblcr\n:4\n"},
		{[]string{"ipvsadm", "-a", "-t", ""}, "192.0.2.100:80\n192.0.2.101:443\n:4\n"},
		{[]string{"-E", "-u", ""}, "192.0.2.100:53\n:4\n"},
		{[]string{"ipvsadm", "-D", "-f", ""}, "7\n:4\n"},
		{[]string{"ipvsadm", "-e", "-t", "192.0.2.100:80", "-r", ""}, "10.10.1.2:80\n10.10.2.2:80\n:4\n"},
		{[]string{"ipvsadm", "-d", "--tcp-service", "192.0.2.101:443", "--real-server", "10"}, "10.10.1.3:443\n:4\n"},
		// a service not in the table: every real
		{[]string{"-d", "-t", "web:80", "-r", ""}, "10.10.3.2:0\n10.10.1.2:80\n10.10.2.2:80\n10.10.1.3:443\n10.10.1.4:53\n:4\n"},
		{[]string{"ipvsadm", "--tun-type", ""}, "ipip\ngue\ngre\n:4\n"},
		{[]string{"ipvsadm", "--start-daemon", "b"}, "backup\n:4\n"},
		{[]string{"ipvsadm", "-w", ""}, ":4\n"},
		{[]string{"ipvsadm", "--sched"}, "--sched-flags\tscheduler flags (comma-separated)\n--scheduler\tone of rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh\n:4\n"},
		// lvsctl's extensions exist under its name only
		{[]string{"--js"}, "--json\tany listing as one JSON document\n:4\n"},
		{[]string{"ipvsadm", "--js"}, ":4\n"},
		{[]string{"--tem"}, "--templates\twith -L -c: the persistence templates, grouped by real server\n:4\n"},
	} {
		tf := newTestFactory()
		tf.IPVSFile = file
		out, _, code := tf.main(append([]string{"__complete"}, c.args...)...)
		if code != 0 || out != c.want {
			t.Errorf("%q: exit %d\n%s\nwant\n%s", c.args, code, out, c.want)
		}
	}
	// no listing (no IPVS): nothing to offer, no error
	tf := newTestFactory()
	tf.IPVSFile = filepath.Join(t.TempDir(), "none")
	if out, _, code := tf.main("__complete", "-a", "-t", ""); code != 0 || out != ":4\n" {
		t.Errorf("without a listing: exit %d %q", code, out)
	}
}

func TestCompleteLdirectordWords(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ldirectord", "st"}, "start\nstop\nstatus\n:0\n"},
		{[]string{"ldirectord", "site.cf", "re"}, "restart\nreload\n:4\n"},
		{[]string{"ldirectord", "-d", "site.cf", "start", ""}, ":4\n"},
		{[]string{"ldirectord", "--check", ""}, ":0\n"},
		{[]string{"ldirectord", "--c"}, "--check\tcheck a configuration: every error, or its table and a summary\n:4\n"},
	} {
		out, _, code := newTestFactory().main(append([]string{"__complete"}, c.args...)...)
		if code != 0 || out != c.want {
			t.Errorf("%q: exit %d\n%s\nwant\n%s", c.args, code, out, c.want)
		}
	}
}

// The scripts of ipvsadm and ldirectord register for their names and ask
// lvsctl for the words: under their own names the programs are exactly
// ipvsadm and ldirectord, which know no __complete.
func TestCompletionScriptsOfOtherNames(t *testing.T) {
	for _, prog := range []string{"ipvsadm", "ldirectord"} {
		for shell, want := range map[string][]string{
			"bash": {"complete -o default -F __start_" + prog + " " + prog, `requestComp="lvsctl __complete ` + prog + ` ${args[*]}"`},
			"zsh":  {"#compdef " + prog + "\n", `requestComp="lvsctl __complete ` + prog + ` ${words[2,-1]}"`},
			"fish": {"complete -c " + prog + " ", ` lvsctl __complete ` + prog + ` $args[2..-1] $lastArg"`},
		} {
			out, errOut, code := newTestFactory().main("completion", shell, prog)
			if code != 0 || errOut != "" {
				t.Fatalf("completion %s %s: exit %d %s", shell, prog, code, errOut)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("completion %s %s: no %q", shell, prog, w)
				}
			}
			if strings.Contains(out, "__complete ${") || strings.Contains(out, "$args[1] __complete") {
				t.Errorf("completion %s %s still calls the program itself", shell, prog)
			}
		}
	}
}

// ipvsadm's bash script completes through lvsctl, found on PATH.
func TestBashCompletionOfIpvsadm(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
		t.Skip("the bash-completion package is not installed")
	}
	dir := lvsctlOnPath(t)
	script := `. /usr/share/bash-completion/bash_completion
source <(lvsctl completion bash ipvsadm) && complete -p ipvsadm || exit 1
COMP_WORDS=(ipvsadm -A -t 10.0.0.1:80 -s wl); COMP_CWORD=5; COMP_LINE="ipvsadm -A -t 10.0.0.1:80 -s wl"; COMP_POINT=${#COMP_LINE}
__start_ipvsadm ipvsadm wl -s; echo "reply: ${COMPREPLY[*]}"
source <(lvsctl completion bash ldirectord) && complete -p ldirectord || exit 1
COMP_WORDS=(ldirectord site.cf rel); COMP_CWORD=2; COMP_LINE="ldirectord site.cf rel"; COMP_POINT=${#COMP_LINE}
__start_ldirectord ldirectord rel site.cf; echo "reply: ${COMPREPLY[*]}"`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"complete -o default -F __start_ipvsadm ipvsadm", "reply: wlc\n", "complete -o default -F __start_ldirectord ldirectord", "reply: reload\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
