package buildinfo

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestGetPrefersLdflags(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "ffff"}}}
	got := get("0.9.0+git20261204.52a15b2", "52a15b282040dc9648a3dcd14b1090c9420e4e73", "2026-12-04T02:20:37Z", "true", bi, true)
	want := Info{Version: "0.9.0+git20261204.52a15b2", Commit: "52a15b282040dc9648a3dcd14b1090c9420e4e73",
		Date: "2026-12-04T02:20:37Z", Modified: true, GoVersion: runtime.Version()}
	if got != want {
		t.Errorf("get = %+v, want %+v", got, want)
	}
}

func TestFallbackFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "-ldflags", Value: ""},
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "52a15b282040dc9648a3dcd14b1090c9420e4e73"},
		{Key: "vcs.time", Value: "2026-12-04T02:20:37Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want Info
	}{
		{"go install ./cmd/lvsctl in a clone",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261204022037-52a15b282040+dirty"}, Settings: vcs}, true,
			Info{Version: "0.0.0-20261204022037-52a15b282040+dirty", Commit: "52a15b282040dc9648a3dcd14b1090c9420e4e73",
				Date: "2026-12-04T02:20:37Z", Modified: true, GoVersion: "go1.26.8"}},
		{"go install module@v0.9.0",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.9.0"}}, true,
			Info{Version: "0.9.0", GoVersion: "go1.26.8"}},
		{"-buildvcs=false, no ldflags",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true,
			Info{Version: Unknown, GoVersion: "go1.26.8"}},
		{"no build information", nil, false,
			Info{Version: Unknown, GoVersion: runtime.Version()}},
	} {
		if got := get("", "", "", "", tc.bi, tc.ok); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// printInfo builds testdata/printinfo with the given go build arguments
// and returns what it prints.
func printInfo(t *testing.T, env []string, args ...string) Info {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "printinfo")
	build := exec.Command("go", append(append([]string{"build", "-o", bin}, args...), "./testdata/printinfo")...)
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	return info
}

// The Makefile's form of the ldflags reaches the variables.
func TestLdflagsStamp(t *testing.T) {
	const p = "github.com/lvsctl/lvsctl/internal/buildinfo"
	got := printInfo(t, []string{"GOFLAGS=-buildvcs=false"}, "-ldflags",
		"-X "+p+".Version=0.9.0+git20261204.52a15b2 -X "+p+".Commit=52a15b282040dc9648a3dcd14b1090c9420e4e73 -X "+p+".Date=2026-12-04T02:20:37Z -X "+p+".Modified=false")
	want := Info{Version: "0.9.0+git20261204.52a15b2", Commit: "52a15b282040dc9648a3dcd14b1090c9420e4e73",
		Date: "2026-12-04T02:20:37Z", GoVersion: runtime.Version()}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// A build in a checkout without the ldflags (go install ./cmd/lvsctl)
// reports the commit Go's VCS stamping recorded.
func TestVCSFallback(t *testing.T) {
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Skipf("not a git checkout (git %s: %v)", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	// Go stamps from a .git directory only, not from a worktree's .git
	// file.
	if fi, err := os.Stat(filepath.Join(git("rev-parse", "--show-toplevel"), ".git")); err != nil || !fi.IsDir() {
		t.Skip("no .git directory (a git worktree): Go records no VCS information here")
	}
	commit := git("rev-parse", "HEAD")
	ctime := git("log", "-1", "--format=%ct", "HEAD")
	modified := git("status", "--porcelain") != ""
	got := printInfo(t, []string{"GOFLAGS=-buildvcs=true"})
	sec, err := time.ParseDuration(ctime + "s")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Unix(int64(sec.Seconds()), 0).UTC()
	// A tagless history gives a pseudo-version: v0.0.0-TIME-SHA12.
	if !strings.Contains(got.Version, when.Format("20060102150405")+"-"+commit[:12]) &&
		!strings.HasPrefix(got.Version, "0.") && !strings.HasPrefix(got.Version, "1.") {
		t.Errorf("version %q names neither the commit nor a release", got.Version)
	}
	if got.Commit != commit || got.Date != when.Format(time.RFC3339) || got.Modified != modified {
		t.Errorf("got %+v, want commit %s, date %s, modified %v", got, commit, when.Format(time.RFC3339), modified)
	}
	if strings.HasSuffix(got.Version, "+dirty") != modified {
		t.Errorf("version %q, tree modified: %v", got.Version, modified)
	}
}
