package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func runMain(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Main(append([]string{"lvsctl"}, args...), NewFactory(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}))
	return out.String(), errb.String(), code
}

func TestCompleteCallbacks(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", ""}, []string{"check\t", "drain\t", "metrics\t", "ldirectord\t", "completion\t", "status\t", "diff", "apply"}},
		{[]string{"__complete", "status", "--"}, []string{"--json\t"}},
		{[]string{"__complete", "dr"}, []string{"drain\t"}},
		{[]string{"__complete", "drain", "--"}, []string{"--timeout\t", "--expire-templates\t", "--keep\t", "--real-server\t"}},
		{[]string{"__complete", "metrics", "-"}, []string{"--output\t"}},
		{[]string{"__complete", "check", "--ty"}, []string{"--type\t"}},
		{[]string{"__complete", "ldirectord", "ldirectord.cf", ""}, []string{"start\n", "force-reload\n"}},
		{[]string{"__complete", "completion", ""}, []string{"bash\n", "zsh\n", "fish\n"}},
	}
	for _, c := range cases {
		out, errOut, code := runMain(c.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: no %q in\n%s", c.args, w, out)
			}
		}
	}
}

// Completion's own usage errors exit 2, a bad flag 1 without a message.
func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion"}, {"completion", "bash", "keepalived"}, {"completion", "bash", "ipvsadm", "x"}} {
		if _, errOut, code := runMain(args...); code != 2 || !strings.HasSuffix(errOut, "Run 'lvsctl completion --help' for usage.\n") {
			t.Errorf("%q: exit %d, %q; want 2 and the usage hint", args, code, errOut)
		}
	}
	if out, errOut, code := runMain("completion", "--frob"); code != 1 || out != "" || errOut != "" {
		t.Errorf("completion --frob: exit %d, %q, %q; want 1 and nothing printed", code, out, errOut)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{"bash": "complete -o default -F __start_lvsctl lvsctl", "zsh": "#compdef lvsctl", "fish": "complete -c lvsctl"} {
		out, errOut, code := runMain("completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d %s; no %q", shell, code, errOut, want)
		}
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// lvsctlOnPath builds the binary once and returns a directory holding it
// as lvsctl, for shells that call it back.
func lvsctlOnPath(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to build lvsctl")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lvsctl-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "lvsctl")
		out, err := exec.Command("go", "build", "-o", builtBin, "../cmd/lvsctl").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Dir(builtBin)
}

// The bash script loads, registers itself, and completes through the
// binary's callback.
func TestBashCompletionLoads(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := lvsctlOnPath(t)
	script := `source <(lvsctl completion bash) && complete -p lvsctl || exit 1
# cobra's bash script parses the command line with the bash-completion
# package; without it only loading can be checked.
[ -f /usr/share/bash-completion/bash_completion ] || { echo "no bash-completion"; exit 0; }
. /usr/share/bash-completion/bash_completion
COMP_WORDS=(lvsctl dr); COMP_CWORD=1; COMP_LINE="lvsctl dr"; COMP_POINT=${#COMP_LINE}
__start_lvsctl lvsctl dr lvsctl; echo "reply: ${COMPREPLY[*]}"
COMP_WORDS=(lvsctl drain --exp); COMP_CWORD=2; COMP_LINE="lvsctl drain --exp"; COMP_POINT=${#COMP_LINE}
__start_lvsctl lvsctl --exp drain; echo "reply: ${COMPREPLY[*]}"`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wants := []string{"complete -o default -F __start_lvsctl lvsctl", "reply: drain", "reply: --expire-templates"}
	if strings.Contains(string(out), "no bash-completion") {
		t.Log("the bash-completion package is not installed: only loading is checked")
		wants = wants[:1]
	}
	for _, want := range wants {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// Every man page renders without a warning, and every lvsctl command
// has one.
func TestManPagesRender(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("no man (man-db)")
	}
	pages, err := filepath.Glob("../man/*.8")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no man pages: %v", err)
	}
	for _, want := range []string{"lvsctl", "lvsctl-check", "lvsctl-drain", "lvsctl-metrics", "lvsctl-ldirectord", "lvsctl-ipvsadm", "lvsctl-status"} {
		if _, err := os.Stat("../man/" + want + ".8"); err != nil {
			t.Errorf("no man page for %s", want)
		}
	}
	for _, p := range pages {
		cmd := exec.Command("man", "--warnings", "-l", "-Tutf8", p)
		cmd.Env = append(os.Environ(), "MANWIDTH=80", "LANG=C.UTF-8")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil || errb.Len() != 0 {
			t.Errorf("man -l %s: %v\n%s", p, err, errb.String())
		}
		// Bold comes out as overstrike (X\bX) when not on a terminal.
		text := regexp.MustCompile(".\b").ReplaceAllString(out.String(), "")
		if !strings.Contains(text, "NAME") || !strings.Contains(text, "SYNOPSIS") {
			t.Errorf("%s: no NAME and SYNOPSIS", p)
		}
	}
}
