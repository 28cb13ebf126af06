package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/internal/buildinfo"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

func TestVersionText(t *testing.T) {
	info := buildinfo.Info{Version: "0.9.0+git20261204.52a15b2", Commit: "52a15b282040dc9648a3dcd14b1090c9420e4e73",
		Date: "2026-12-04T02:20:37Z", Modified: true, GoVersion: "go1.26.8"}
	for _, c := range []struct {
		info   buildinfo.Info
		asJSON bool
		want   string
	}{
		{info, false, "lvsctl 0.9.0+git20261204.52a15b2\n" +
			"commit:     52a15b282040dc9648a3dcd14b1090c9420e4e73 (modified)\n" +
			"date:       2026-12-04T02:20:37Z\n" +
			"go:         go1.26.8\n" +
			"compatible: ipvsadm 1.31, ldirectord 4.12\n"},
		{buildinfo.Info{Version: "unknown", GoVersion: "go1.26.8"}, false, "lvsctl unknown\n" +
			"go:         go1.26.8\n" +
			"compatible: ipvsadm 1.31, ldirectord 4.12\n"},
		{buildinfo.Info{Version: "unknown", GoVersion: "go1.26.8"}, true, `{
  "schema_version": 1,
  "version": "unknown",
  "commit": null,
  "date": null,
  "modified": false,
  "go_version": "go1.26.8",
  "compatible": {
    "ipvsadm": "1.31",
    "ldirectord": "4.12"
  }
}
`},
		{info, true, `{
  "schema_version": 1,
  "version": "0.9.0+git20261204.52a15b2",
  "commit": "52a15b282040dc9648a3dcd14b1090c9420e4e73",
  "date": "2026-12-04T02:20:37Z",
  "modified": true,
  "go_version": "go1.26.8",
  "compatible": {
    "ipvsadm": "1.31",
    "ldirectord": "4.12"
  }
}
`},
	} {
		tf := newTestFactory()
		if err := runVersion(&versionOptions{io: tf.Factory.IOStreams, info: c.info, asJSON: c.asJSON}); err != nil || tf.out.String() != c.want {
			t.Errorf("%v:\n%s\nwant\n%s", err, tf.out.String(), c.want)
		}
	}
}

// lvsctl version, --version and -v print the same; under the names
// ipvsadm and ldirectord, -v is theirs.
func TestVersionNames(t *testing.T) {
	tf := newTestFactory().withIPVS(ipvstest.NewFake())
	want, errOut, code := tf.main("version")
	if code != 0 || errOut != "" || !strings.HasPrefix(want, "lvsctl ") || !strings.Contains(want, "go:         "+runtime.Version()+"\n") {
		t.Fatalf("lvsctl version: exit %d, %q %q", code, want, errOut)
	}
	for _, arg := range []string{"--version", "-v"} {
		if out, errOut, code := tf.main(arg); out != want || errOut != "" || code != 0 {
			t.Errorf("lvsctl %s: exit %d, %q %q", arg, code, out, errOut)
		}
	}
	tf.out.Reset()
	if code := Main([]string{"/usr/sbin/ipvsadm", "-v"}, tf.Factory); code != 0 || tf.out.String() != ipvsadm.VersionLine {
		t.Errorf("ipvsadm -v: exit %d, %q", code, tf.out.String())
	}
	for _, arg := range []string{"-v", "--version"} {
		tf.out.Reset()
		if code := Main([]string{"ldirectord", arg}, tf.Factory); code != 0 || tf.out.String() != ldVersion {
			t.Errorf("ldirectord %s: exit %d, %q", arg, code, tf.out.String())
		}
	}
	if !strings.HasPrefix(ipvsadm.VersionLine, "ipvsadm v"+ipvsadmCompat+" ") {
		t.Errorf("ipvsadm's -v (%q) is not the version lvsctl version names (%s)", ipvsadm.VersionLine, ipvsadmCompat)
	}
}

// The Makefile's ldflags reach lvsctl version: the command keeps package
// buildinfo, and with it the stamped values, in the binary.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	const p = "github.com/lvsctl/lvsctl/internal/buildinfo"
	bin := filepath.Join(t.TempDir(), "lvsctl")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "-ldflags",
		"-X "+p+".Version=1.2.3+git20261204.52a15b2 -X "+p+".Commit=52a15b282040dc9648a3dcd14b1090c9420e4e73 -X "+p+".Date=2026-12-04T02:20:37Z -X "+p+".Modified=false",
		"../cmd/lvsctl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	want := "lvsctl 1.2.3+git20261204.52a15b2\ncommit:     52a15b282040dc9648a3dcd14b1090c9420e4e73\ndate:       2026-12-04T02:20:37Z\n"
	if err != nil || !strings.HasPrefix(string(out), want) {
		t.Errorf("lvsctl --version: %v\n%s\nwant it to start with\n%s", err, out, want)
	}
}

// lvsctl version --json through lvsctl's command line: the document of
// the binary's own build information, and a bad flag a usage error.
func TestVersionJSONCommand(t *testing.T) {
	tf := newTestFactory()
	want := newTestFactory()
	if err := runVersion(&versionOptions{io: want.Factory.IOStreams, info: buildinfo.Get(), asJSON: true}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := tf.main("version", "--json")
	if code != 0 || errOut != "" || out != want.out.String() ||
		!strings.Contains(out, "\n  \"go_version\": \""+runtime.Version()+"\",\n") ||
		!strings.HasSuffix(out, "\n  \"compatible\": {\n    \"ipvsadm\": \"1.31\",\n    \"ldirectord\": \"4.12\"\n  }\n}\n") {
		t.Errorf("lvsctl version --json: exit %d, stderr %q\n%s\nwant\n%s", code, errOut, out, want.out.String())
	}
	out, errOut, code = tf.main("version", "--jsno")
	if code != 2 || out != "" || errOut != "lvsctl version: unknown flag: --jsno (did you mean --json?)\nRun 'lvsctl version --help' for usage.\n" {
		t.Errorf("lvsctl version --jsno: exit %d, %q %q", code, out, errOut)
	}
}

// make install builds bin/lvsctl stamped with what dist/version.sh says
// of this tree (lvsctl version prints it) and installs it with the man
// pages and the completion scripts of the three names.
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	for _, tool := range []string{"make", "git", "go", "install"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	script, err := exec.Command("sh", "../dist/version.sh").Output()
	if err != nil {
		t.Fatalf("dist/version.sh: %v", err)
	}
	f := strings.Fields(string(script))
	if len(f) != 4 {
		t.Fatalf("dist/version.sh printed %q, want VERSION COMMIT DATE MODIFIED", script)
	}
	bin, root := t.TempDir(), t.TempDir()
	if out, err := exec.Command("make", "-s", "-C", "..", "install", "BIN="+bin, "DESTDIR="+root, "PREFIX=/usr").CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(root, "usr/sbin/lvsctl"), "version").Output()
	if err != nil {
		t.Fatalf("lvsctl version: %v", err)
	}
	mod := ""
	if f[3] == "true" {
		mod = " (modified)"
	}
	want := "lvsctl " + f[0] + "\ncommit:     " + f[1] + mod + "\ndate:       " + f[2] + "\ngo:         " + runtime.Version() +
		"\ncompatible: ipvsadm 1.31, ldirectord 4.12\n"
	if string(out) != want {
		t.Errorf("make install's lvsctl version:\n%s\nwant\n%s", out, want)
	}
	for file, has := range map[string]string{
		"usr/share/man/man8/lvsctl.8":                         ".TH LVSCTL 8",
		"usr/share/man/man5/lvsctl-ldirectord.cf.5":           ".TH ",
		"usr/share/bash-completion/completions/lvsctl":        "complete -o default -F __start_lvsctl lvsctl",
		"usr/share/bash-completion/completions/ipvsadm":       "complete -o default -F __start_ipvsadm ipvsadm",
		"usr/share/bash-completion/completions/ldirectord":    "complete -o default -F __start_ldirectord ldirectord",
		"usr/share/zsh/site-functions/_ipvsadm":               "#compdef ipvsadm\n",
		"usr/share/fish/vendor_completions.d/ldirectord.fish": "complete -c ldirectord ",
		"usr/lib/systemd/system/lvsctl-ldirectord.service":    "/usr/sbin/",
	} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil || !strings.Contains(string(b), has) {
			t.Errorf("make install: %s (%v) lacks %q", file, err, has)
		}
	}
}
