package director

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

// Two virtuals, one with a fallbackcommand, both with alert mails.
const twoVirtualsFallback = `emailalert="ops@example.org"
smtp=127.0.0.1
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	checktype=connect
	fallbackcommand=/x/fb1.sh
virtual=192.168.100.2:80
	real=10.0.0.3:80 gate
	checktype=connect
`

// A fallbackcommand that hangs holds up only the commands after it in
// its own virtual's fallback lane, and only until commandtimeout: the
// mails of both virtuals go out meanwhile, the hung command's context
// ends exactly at commandtimeout, and the virtual's next fallbackcommand
// runs after it, in order.
func TestHungFallbackCommandBlocksNothingElse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "commandtimeout=2\n"+twoVirtualsFallback)
		t0 := time.Now()
		var hungFor time.Duration
		h.shell = func(ctx context.Context, cmd string) error {
			if strings.Contains(cmd, " start ") {
				<-ctx.Done() // hangs until killed
				hungFor = time.Since(t0)
				return ctx.Err()
			}
			return nil
		}
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start() // no real up yet: fallbackcommand start, which hangs
		h.settle()
		for _, want := range []string{
			"|Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 1)|",
			"|Added real server: 10.0.0.3:80 (192.168.100.2:80) (Weight set to 1)|",
		} {
			if !strings.Contains(h.mails.String(), want) {
				t.Errorf("while the fallbackcommand hangs, no mail %q; sent:\n%s", want, h.mails)
			}
		}
		if got := h.cmds.String(); got != "/x/fb1.sh start 192.168.100.1:80 tcp\n" {
			t.Errorf("commands while the start hangs: %q; want the start alone (the stop waits behind it)", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if hungFor != 2*time.Second {
			t.Errorf("the hung command's context ended after %v, want commandtimeout (2s)", hungFor)
		}
		h.waitLog("system(/x/fb1.sh start 192.168.100.1:80 tcp) did not finish within 2s (commandtimeout): killed with its process group")
		if got, want := h.cmds.String(), "/x/fb1.sh start 192.168.100.1:80 tcp\n/x/fb1.sh stop 192.168.100.1:80 tcp\n"; got != want {
			t.Errorf("commands: %q, want %q", got, want)
		}
	})
}

// One virtual's alert mails go out in the order of their events, however
// slow the mail server: a real that flaps gets Deleted, Added, Deleted.
func TestAlertsKeepTheirOrderPerVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "emailalert=\"ops@example.org\"\nsmtp=127.0.0.1\n"+twoReals)
		h.mail = func(context.Context, Mail) error {
			time.Sleep(700 * time.Millisecond) // slower than the flaps
			return nil
		}
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		for _, up := range []bool{false, true, false} {
			h.health.set("10.0.0.3", up)
			h.settle()
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		var got []string
		for _, l := range strings.Split(h.mails.String(), "\n") {
			if f := strings.Split(l, "|"); len(f) > 2 && strings.Contains(f[2], "10.0.0.3") {
				got = append(got, f[2])
			}
		}
		want := []string{
			"Added real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)",
			"Deleted real server: 10.0.0.3:80 (192.168.100.1:80)",
			"Added real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)",
			"Deleted real server: 10.0.0.3:80 (192.168.100.1:80)",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("mails of 10.0.0.3:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// A stop waits at most stopCommandsWait for the commands still running,
// then ends them; one that ignores even that is left after a further
// commandKillGrace and a second. Run returns within that bound.
func TestStopBoundedByHungCommands(t *testing.T) {
	for _, tc := range []struct {
		name      string
		obeys     bool // the command ends when its context does
		took      time.Duration
		logs, not string
	}{
		{"ends when killed", true, stopCommandsWait,
			"Commands still running after 10s: killing them", "not waiting for them"},
		{"ignores the kill", false, stopCommandsWait + commandKillGrace + time.Second,
			"Commands still running after being killed: not waiting for them", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newBubbleHarness(t, twoVirtualsFallback) // commandtimeout 30 s
				release := make(chan struct{})
				h.shell = func(ctx context.Context, cmd string) error {
					if tc.obeys {
						<-ctx.Done()
						return ctx.Err()
					}
					<-release
					return nil
				}
				h.start()
				h.settle()
				start := time.Now()
				h.cancel(StopSignal("TERM"))
				h.cancel = nil
				if err := <-h.done; err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != tc.took {
					t.Errorf("stop took %v, want %v", took, tc.took)
				}
				close(release)
				h.waitLog(tc.logs)
				if tc.not != "" && strings.Contains(h.logs.String(), tc.not) {
					t.Errorf("log has %q:\n%s", tc.not, h.logs)
				}
				h.waitLog("Linux Director Daemon terminated on signal: TERM")
			})
		})
	}
}

// A panic in a command is logged with its stack and ends that command
// only: the next command of its lane runs, and the daemon goes on.
func TestCommandPanicIsRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoVirtualsFallback)
		h.shell = func(_ context.Context, cmd string) error {
			if strings.Contains(cmd, " start ") {
				panic("boom")
			}
			return nil
		}
		h.health.set("10.0.0.2", true)
		h.start()
		h.waitLog("panic in system(/x/fb1.sh start 192.168.100.1:80 tcp): boom\ngoroutine ")
		h.waitLog("director.(*commands).protect")
		h.waitLog("Added real server: 10.0.0.2:80 (192.168.100.1:80)")
		h.settle()
		if got, want := h.cmds.String(), "/x/fb1.sh start 192.168.100.1:80 tcp\n/x/fb1.sh stop 192.168.100.1:80 tcp\n"; got != want {
			t.Errorf("commands: %q, want %q", got, want)
		}
		h.health.set("10.0.0.3", true)
		h.waitLog("Added real server: 10.0.0.3:80 (192.168.100.2:80)")
	})
}

// With the real shell, a fallbackcommand still running at commandtimeout
// is killed with its whole process group: its child that ignores SIGTERM
// is gone too.
func TestFallbackCommandKilledWithItsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	script := testutil.WriteFile(t, filepath.Join(dir, "fb.sh"), 0o755,
		"#!/bin/sh\n[ \"$1\" = start ] || exit 0\n(trap '' TERM; exec sleep 60) &\necho $! >"+pidFile+"\nsleep 60\n")
	h := newHarness(t, "commandtimeout=1\nfallbackcommand="+script+"\n"+twoReals)
	h.realShell = true
	start := time.Now()
	h.start() // no real up: fallbackcommand start
	h.waitLog("system(" + script + " start 192.168.100.1:80 tcp) did not finish within 1s (commandtimeout): killed with its process group")
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("killed after %v, want about 1 s", took)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	testutil.WaitFor(t, 3*time.Second, func() bool { return !processRuns(child) }, func() string {
		return "the fallbackcommand's child " + strconv.Itoa(child) + " to end"
	})
}

// processRuns reports whether pid runs (a zombie does not).
func processRuns(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) || err != nil {
		return false
	}
	s := string(b)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z ")
}
