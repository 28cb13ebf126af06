package cli

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/internal/daemon"
)

func TestLdParseArgs(t *testing.T) {
	o, err := parseLdArgs([]string{"-d", "--", "-weird.cf", "status"})
	if err != nil || !o.debug || strings.Join(o.args, " ") != "-weird.cf status" {
		t.Errorf("%+v %v", o, err)
	}
	if _, err := parseLdArgs([]string{"--deb", "x"}); err == nil {
		t.Error("--deb abbreviation accepted (ldirectord has no_auto_abbrev)")
	}
}

func TestLdArgsMetricsListen(t *testing.T) {
	for _, c := range []struct {
		args []string
		addr string
		rest []string
	}{
		{[]string{"--metrics-listen", ":9799", "ld.cf", "start"}, ":9799", []string{"ld.cf", "start"}},
		{[]string{"-d", "--metrics-listen=127.0.0.1:1", "start"}, "127.0.0.1:1", []string{"start"}},
		{[]string{"start"}, "", []string{"start"}},
	} {
		o, err := parseLdArgs(c.args)
		if err != nil || o.metricsListen != c.addr || !reflect.DeepEqual(o.args, c.rest) {
			t.Errorf("%v: %+v %v", c.args, o, err)
		}
	}
	if _, err := parseLdArgs([]string{"--metrics-listen"}); err == nil || err.Error() != "Option metrics-listen requires an argument" {
		t.Errorf("missing value: %v", err)
	}
}

// The daemon gets the address in its settings, not on its command line,
// which stays exactly `<argv0> <config> start` for the OCF agent's
// pgrep -f; this process's environment is never used to carry it.
func TestLdStartPassesMetricsListen(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	spawn := lt.f.Spawn
	var envDuringSpawn []bool
	lt.f.Spawn = func(argv []string, s daemon.Settings) error {
		_, set := os.LookupEnv("LVSCTL_METRICS_LISTEN")
		envDuringSpawn = append(envDuringSpawn, set)
		return spawn(argv, s)
	}
	if code, _, errOut := lt.run("--metrics-listen", "127.0.0.1:9799", path, "start"); code != 0 {
		t.Fatalf("start: %d %q", code, errOut)
	}
	os.Remove(lt.pidPath("site.cf"))
	if code, _, errOut := lt.run(path, "start"); code != 0 {
		t.Fatalf("start: %d %q", code, errOut)
	}
	want := [][]string{{"/usr/sbin/ldirectord", path, "start"}, {"/usr/sbin/ldirectord", path, "start"}}
	wantSettings := []daemon.Settings{{MetricsListen: "127.0.0.1:9799"}, {}}
	if !reflect.DeepEqual(lt.spawns, want) || !reflect.DeepEqual(lt.settings, wantSettings) {
		t.Errorf("spawned %q with %+v", lt.spawns, lt.settings)
	}
	if !reflect.DeepEqual(envDuringSpawn, []bool{false, false}) {
		t.Errorf("LVSCTL_METRICS_LISTEN set in the starter's environment during the spawns: %v", envDuringSpawn)
	}
}
