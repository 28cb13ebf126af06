// Command faultld is lvsctl with health checks that misbehave on
// purpose, for the lab's fault tests (e2e/faults_*_test.go) and nothing
// else: it is built as bin/lvsctl-faults by make e2e and never
// installed. A virtual with checktype=external and a checkcommand of
//
//	fault:panic       panics inside the check, as a reply parser might
//	fault:hang:FILE   ignores its deadline (and its context) until FILE
//	                  exists, then answers up
//
// has its reals checked that way; every other check is lvsctl's own.
// The production binary has no such checks and no hook for them: this
// one passes its own CheckerFunc through cli.Factory.
package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/cli"
	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ldconf"
)

func main() {
	f := cli.NewFactory(cli.System())
	f.NewChecker = faultyChecker
	os.Exit(cli.Main(os.Args, f))
}

func faultyChecker(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error) {
	c, t, err := director.Checker(v, r)
	if err != nil || v.CheckType != ldconf.CheckExternal || !strings.HasPrefix(v.CheckCommand, "fault:") {
		return c, t, err
	}
	return fault(strings.TrimPrefix(v.CheckCommand, "fault:")), t, nil
}

// fault is a check that misbehaves as its name says.
type fault string

func (f fault) String() string { return "fault:" + string(f) }

func (f fault) Check(ctx context.Context, t checks.Target) checks.Result {
	checks.MarkConnect(ctx)
	if f == "panic" {
		panic("fault:panic: a reply its parser cannot take")
	}
	if file, ok := strings.CutPrefix(string(f), "hang:"); ok {
		for {
			if _, err := os.Stat(file); err == nil {
				return checks.Result{Up: true, Reason: "released"}
			}
			time.Sleep(100 * time.Millisecond) // deaf to ctx on purpose
		}
	}
	return checks.Result{Reason: "unknown fault " + string(f)}
}
