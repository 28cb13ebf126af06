package cli

import (
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

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

// The daemon gets the address through its environment: its command line
// stays exactly `<argv0> <config> start` for the OCF agent's pgrep -f.
func TestLdStartPassesMetricsListen(t *testing.T) {
	lt := newLdTest(t)
	path := lt.config("site.cf", ldGood)
	var env []string
	lt.env.spawn = func(argv []string) error {
		lt.spawns = append(lt.spawns, argv)
		env = append(env, os.Getenv(metricsListenEnv))
		return nil
	}
	if code, _, errOut := lt.run("--metrics-listen", "127.0.0.1:9799", path, "start"); code != 0 {
		t.Fatalf("start: %d %q", code, errOut)
	}
	os.Remove(lt.pidPath("site.cf"))
	if code, _, errOut := lt.run(path, "start"); code != 0 {
		t.Fatalf("start: %d %q", code, errOut)
	}
	want := [][]string{{"/usr/sbin/ldirectord", path, "start"}, {"/usr/sbin/ldirectord", path, "start"}}
	if !reflect.DeepEqual(lt.spawns, want) || !reflect.DeepEqual(env, []string{"127.0.0.1:9799", ""}) {
		t.Errorf("spawned %q with %s=%q", lt.spawns, metricsListenEnv, env)
	}
	if v, ok := os.LookupEnv(metricsListenEnv); ok {
		t.Errorf("%s=%q left set", metricsListenEnv, v)
	}
	os.Setenv(metricsListenEnv, ":1")
	if got := takeMetricsListen(); got != ":1" || os.Getenv(metricsListenEnv) != "" {
		t.Errorf("take: %q, then %q", got, os.Getenv(metricsListenEnv))
	}
}

func TestDaemonMetricsEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := ipvstest.NewFake()
	stop, err := startDaemonMetrics(addr, func() (ipvsctl.Client, error) { return f, nil }, director.NewMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "lvs_reconcile_errors_total 0\n") {
		t.Errorf("%d:\n%s", resp.StatusCode, body)
	}
	// The daemon's own process, as every exporter reports it.
	for _, want := range []string{"\nprocess_resident_memory_bytes ", "\ngo_goroutines ", "\ngo_memstats_heap_inuse_bytes "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no%s in\n%s", want, body)
		}
	}
	if _, err := startDaemonMetrics(addr, func() (ipvsctl.Client, error) { return f, nil }, director.NewMetrics()); err == nil {
		t.Error("a second listener on the same address")
	}
}
