package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// versionScript runs a copy of dist/version.sh at dir/dist/version.sh and
// returns its line.
func versionScript(t *testing.T, dir string, env ...string) string {
	t.Helper()
	cmd := exec.Command("sh", filepath.Join(dir, "dist", "version.sh"))
	cmd.Env = append(cleanGitEnv(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("version.sh: %v", err)
	}
	return string(out)
}

// cleanGitEnv is the environment without what would point git elsewhere.
func cleanGitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			env = append(env, kv)
		}
	}
	return env
}

// dist/version.sh, the values the Makefile and the package build stamp:
// a release tag on a clean HEAD is the release; anything else is the
// nearest release (or the script's base) +gitDATE.SHA7, .dirty when
// modified; the date is SOURCE_DATE_EPOCH's or the commit's; without git,
// the stamp file, else the base +unknown.
func TestVersionScript(t *testing.T) {
	for _, tool := range []string{"git", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	src, err := os.ReadFile("../../dist/version.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^base=(\S+)$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("dist/version.sh sets no base=")
	}
	base := string(m[1])
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dist", "version.sh"), src, 0o755); err != nil {
		t.Fatal(err)
	}

	// without git: no stamp, then a stamp
	if got, want := versionScript(t, dir), base+"+unknown - - false\n"; got != want {
		t.Errorf("no git, no stamp: %q, want %q", got, want)
	}
	if got, want := versionScript(t, dir, "SOURCE_DATE_EPOCH=1764814837"), base+"+unknown - 2025-12-04T02:20:37Z false\n"; got != want {
		t.Errorf("no git, SOURCE_DATE_EPOCH: %q, want %q", got, want)
	}
	stamp := "1.2.3 52a15b282040dc9648a3dcd14b1090c9420e4e73 2026-12-04T02:20:37Z false\n"
	if err := os.WriteFile(filepath.Join(dir, "dist", "version.stamp"), []byte(stamp), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := versionScript(t, dir); got != stamp {
		t.Errorf("no git, a stamp: %q, want %q", got, stamp)
	}

	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(cleanGitEnv(), "GIT_COMMITTER_DATE=2026-12-04T02:20:37Z", "GIT_AUTHOR_DATE=2026-12-04T02:20:37Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "one")
	head := git("rev-parse", "HEAD")
	const date = "2026-12-04T02:20:37Z"
	snapshot := "+git20261204." + head[:7]
	for _, c := range []struct {
		name string
		env  []string
		want string
	}{
		{"tagless, clean", nil, base + snapshot + " " + head + " " + date + " false\n"},
		{"SOURCE_DATE_EPOCH", []string{"SOURCE_DATE_EPOCH=1764814837"}, base + snapshot + " " + head + " 2025-12-04T02:20:37Z false\n"},
	} {
		if got := versionScript(t, dir, c.env...); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "new"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := versionScript(t, dir), base+snapshot+".dirty "+head+" "+date+" true\n"; got != want {
		t.Errorf("tagless, modified: %q, want %q", got, want)
	}
	git("add", "new")
	git("commit", "-q", "-m", "two")
	head = git("rev-parse", "HEAD")
	git("tag", "v1.4.0")
	if got, want := versionScript(t, dir), "1.4.0 "+head+" "+date+" false\n"; got != want {
		t.Errorf("tagged, clean: %q, want %q", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "new"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := versionScript(t, dir), "1.4.0+git20261204."+head[:7]+".dirty "+head+" "+date+" true\n"; got != want {
		t.Errorf("tagged, modified: %q, want %q", got, want)
	}
	git("commit", "-q", "-am", "three")
	head = git("rev-parse", "HEAD")
	if got, want := versionScript(t, dir), "1.4.0+git20261204."+head[:7]+" "+head+" "+date+" false\n"; got != want {
		t.Errorf("after the tag: %q, want %q", got, want)
	}
}
