package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/metrics"
)

// metricsListenFlag is lvsctl's addition to ldirectord's command line:
// serve /metrics from the daemon.
const metricsListenFlag = "metrics-listen"

// parseMetricsListen reads --metrics-listen ADDR or --metrics-listen=ADDR
// at args[i]; it returns the address and how many words it took (0 if
// args[i] is not the flag).
func parseMetricsListen(args []string, i int) (string, int, error) {
	a := args[i]
	if v, ok := strings.CutPrefix(a, "--"+metricsListenFlag+"="); ok {
		return v, 1, nil
	}
	if a != "--"+metricsListenFlag {
		return "", 0, nil
	}
	if i+1 >= len(args) {
		return "", 0, missingArgumentError(metricsListenFlag)
	}
	return args[i+1], 2, nil
}

// missingArgumentError is Getopt::Long's text for an option without its
// value.
type missingArgumentError string

func (e missingArgumentError) Error() string { return "Option " + string(e) + " requires an argument" }

// metricsListenEnv carries --metrics-listen to the spawned daemon, whose
// command line must stay exactly `<argv0> <config> start` (the OCF
// agent finds it with pgrep -f).
const metricsListenEnv = "LVSCTL_METRICS_LISTEN"

// passMetricsListen sets (or clears) what the next spawned daemon reads.
func passMetricsListen(addr string) {
	if addr == "" {
		os.Unsetenv(metricsListenEnv)
		return
	}
	os.Setenv(metricsListenEnv, addr)
}

// takeMetricsListen is the daemon's side; children never see it.
func takeMetricsListen() string {
	addr := os.Getenv(metricsListenEnv)
	os.Unsetenv(metricsListenEnv)
	return addr
}

// startDaemonMetrics serves the daemon's /metrics on addr: the kernel's
// table read through a client of its own (scrapes must not share the
// reconciler's), and what m records. stop closes both.
func startDaemonMetrics(addr string, open func() (ipvsctl.Client, error), m *director.Metrics) (stop func(), err error) {
	c, err := open()
	if err != nil {
		return nil, fmt.Errorf("metrics: open IPVS: %w", err)
	}
	stopHTTP, err := metrics.Serve(addr, func(s *metrics.Set) error {
		if err := metrics.CollectIPVS(s, c); err != nil {
			return err
		}
		m.Gather(s)
		metrics.CollectProcess(s)
		return nil
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	return func() {
		stopHTTP()
		c.Close()
	}, nil
}
