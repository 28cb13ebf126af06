package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSetProcessName(t *testing.T) {
	old, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip(err)
	}
	defer os.WriteFile("/proc/self/comm", []byte(strings.TrimSpace(string(old))), 0)
	for name, want := range map[string]string{
		"/usr/sbin/ldirectord":          "ldirectord",
		"ldirectord":                    "ldirectord",
		"/opt/a-very-long-program-name": "a-very-long-pro",
	} {
		if err := SetProcessName(name); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile("/proc/self/comm")
		if strings.TrimSpace(string(got)) != want {
			t.Errorf("%s: comm %q, want %q", name, got, want)
		}
	}
}

func readSpawned(t *testing.T, path string) spawned {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the daemon wrote nothing: %v", err)
	}
	var s spawned
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// The daemon gets exactly its command line, its settings through an
// environment built for it (never the starter's own), a session of its
// own, and reports back; the starter's environment is left alone.
func TestSpawnPassesSettings(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seen")
	t.Setenv(childEnv, "")
	t.Setenv(metricsListenEnv, ":1") // the starter's, never the daemon's
	argv := []string{"ldirectord", out, "ready"}
	if err := Spawn(argv, Settings{MetricsListen: "127.0.0.1:9799"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	s := readSpawned(t, out)
	wd, _ := os.Getwd()
	if !reflect.DeepEqual(s.Args, argv) || s.Settings.MetricsListen != "127.0.0.1:9799" || len(s.Env) != 0 ||
		s.Dir != wd || !s.SessionID {
		t.Errorf("the daemon saw %+v", s)
	}
	if os.Getenv(metricsListenEnv) != ":1" || os.Getenv(childEnv) != "" {
		t.Errorf("the starter's environment changed: %s=%q %s=%q",
			metricsListenEnv, os.Getenv(metricsListenEnv), childEnv, os.Getenv(childEnv))
	}

	if err := Spawn([]string{"ldirectord", out, "ready"}, Settings{}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if s := readSpawned(t, out); s.Settings.MetricsListen != "" || len(s.Env) != 0 {
		t.Errorf("without settings, the daemon saw %+v", s)
	}
}

func TestSpawnReportsFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seen")
	err := Spawn([]string{"ldirectord", out, "fail"}, Settings{}, 10*time.Second)
	if err == nil || err.Error() != "no way" {
		t.Errorf("a daemon that could not start: %v", err)
	}
	err = Spawn([]string{"ldirectord", out, "exit"}, Settings{}, 10*time.Second)
	if err == nil || err.Error() != "the daemon exited before it was ready" {
		t.Errorf("a daemon that ended without a word: %v", err)
	}
}

func TestSettingsEnviron(t *testing.T) {
	base := []string{"PATH=/bin", childEnv + "=1", metricsListenEnv + "=:1", "LVSCTL_METRICS_LISTENER=x"}
	got := Settings{MetricsListen: "[::1]:9"}.environ(base)
	want := []string{"PATH=/bin", "LVSCTL_METRICS_LISTENER=x", childEnv + "=1", metricsListenEnv + "=[::1]:9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("environ:\n%q\nwant\n%q", got, want)
	}
	if got := (Settings{}).environ(base); !reflect.DeepEqual(got, want[:3]) {
		t.Errorf("no settings: %q", got)
	}
}

// A process not started by Spawn has no Child, and leaves the variables.
func TestTakeChildOutsideADaemon(t *testing.T) {
	t.Setenv(childEnv, "")
	t.Setenv(metricsListenEnv, ":1")
	if c := TakeChild(); c != nil {
		t.Fatalf("a child: %+v", c)
	}
	if os.Getenv(metricsListenEnv) != ":1" {
		t.Error("the environment was changed")
	}
	var c *Child
	c.Report(nil) // the foreground's: nothing to report to
}
