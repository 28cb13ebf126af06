package proc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// liveInGroup lists the processes of group pgid that are not zombies
// (a container's init may be slow to reap, or never reap, orphans).
func liveInGroup(t *testing.T, pgid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold blanks, so split
		// after its closing parenthesis.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			live = append(live, e.Name()+" "+s[:strings.LastIndexByte(s, ')')+1])
		}
	}
	return live
}

// A program still running at its deadline is killed with every process
// of its group, a child that ignores SIGTERM included, within the grace
// period, and Run returns by then.
func TestDeadlineKillsTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	// The child ignores TERM and would outlive the shell by far.
	c := Command(ctx, 300*time.Millisecond, "/bin/sh", "-c",
		`(trap "" TERM; exec sleep 60) & echo $! >`+pidFile+`; sleep 60`)
	start := time.Now()
	err := c.Run()
	took := time.Since(start)
	if err == nil || !c.Killed() {
		t.Errorf("Run: %v, killed %v; want an error and killed", err, c.Killed())
	}
	if took > 2*time.Second {
		t.Errorf("Run took %v, want about 600 ms (deadline + grace)", took)
	}
	waitGone(t, c.Process.Pid)
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if child, _ := strconv.Atoi(strings.TrimSpace(string(b))); child == 0 || alive(child) {
		t.Errorf("the child %d that ignores SIGTERM survived", child)
	}
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// A program that ends in time may leave a background child (a sorry
// server a fallbackcommand starts): it is not touched.
func TestInTimeLeavesBackgroundChildren(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	c := Command(ctx, 100*time.Millisecond, "/bin/sh", "-c", `sleep 60 >/dev/null 2>&1 & echo $! >`+pidFile)
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	cancel() // the context ends after the program: nothing is killed
	time.Sleep(200 * time.Millisecond)
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	defer syscall.Kill(child, syscall.SIGKILL)
	if c.Killed() || !alive(child) {
		t.Errorf("killed %v, child alive %v: want the background child left running", c.Killed(), alive(child))
	}
}

// Output returns at the deadline plus the grace period even when a
// child holds the output pipe open.
func TestOutputBoundedWhenAChildHoldsThePipe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	c := Command(ctx, 200*time.Millisecond, "/bin/sh", "-c", `echo started; (trap "" TERM; exec sleep 60) & sleep 60`)
	start := time.Now()
	out, err := c.CombinedOutput()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	if err == nil || string(out) != "started\n" {
		t.Errorf("%q, %v", out, err)
	}
	waitGone(t, c.Process.Pid)
}

// waitGone waits until group pgid has no live process: SIGKILL has been
// sent when Run returns, and the kernel ends the processes a moment
// later.
func waitGone(t *testing.T, pgid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		live := liveInGroup(t, pgid)
		if len(live) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running in the group: %q", live)
		}
	}
}
