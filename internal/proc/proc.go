// Package proc runs the programs the director starts on its own behalf
// (fallbackcommand, callback, execute=, sendmail) and for its checks
// (external, external-perl) so that none outlives its deadline: each runs
// in a process group of its own, and when its context ends while it runs
// the whole group gets SIGTERM, then SIGKILL a grace period later.
//
// Only a program still running at its deadline is killed. One that
// exits in time may leave children behind on purpose (a fallbackcommand
// that starts a sorry server in the background), and they are left
// alone. A child that makes itself a group or session leader of its own
// (setsid, as a daemon does) leaves the group and is not signalled: that
// is how `ldirectord NAME start`, run for execute=, starts its daemon.
package proc

import (
	"context"
	"errors"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"
)

// Cmd is a program run in a process group of its own.
type Cmd struct {
	*exec.Cmd
	grace  time.Duration
	termAt atomic.Int64 // when the group got SIGTERM (UnixNano), 0 if not
}

// Command is exec.CommandContext(ctx, name, args...) in a new process
// group: when ctx ends before the program does, its group gets SIGTERM,
// and whatever of the group is left grace later gets SIGKILL. Wait (and
// Run, Output) return at most grace after ctx ends, even if a child holds
// the program's output open.
func Command(ctx context.Context, grace time.Duration, name string, args ...string) *Cmd {
	c := &Cmd{Cmd: exec.CommandContext(ctx, name, args...), grace: grace}
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		c.termAt.Store(time.Now().UnixNano())
		return signalGroup(c.Process.Pid, syscall.SIGTERM)
	}
	c.WaitDelay = grace
	return c
}

// Run starts the program and waits for it; see Wait.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the program and returns its standard output.
func (c *Cmd) Output() ([]byte, error) {
	var b outBuf
	c.Stdout = &b
	err := c.Run()
	return b.b, err
}

// CombinedOutput runs the program and returns its standard output and
// error, interleaved.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	var b outBuf
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return b.b, err
}

// Wait waits for the program. If ctx ended while it ran, Wait returns
// only once its whole group is gone: what SIGTERM left alive gets
// SIGKILL when the grace period is over.
func (c *Cmd) Wait() error {
	err := c.Cmd.Wait()
	if c.Killed() {
		c.reapGroup()
	}
	return err
}

// reapGroup waits until the group is empty or the grace period since
// SIGTERM has passed, then kills what is left.
func (c *Cmd) reapGroup() {
	pid := c.Process.Pid
	deadline := time.Unix(0, c.termAt.Load()).Add(c.grace)
	for time.Now().Before(deadline) {
		if !groupAlive(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = signalGroup(pid, syscall.SIGKILL)
}

// Killed reports whether the program was still running when its context
// ended, so that its group was signalled.
func (c *Cmd) Killed() bool { return c.termAt.Load() != 0 }

func signalGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupAlive reports whether a process of group pid still exists
// (zombies included, until init reaps them).
func groupAlive(pid int) bool {
	return syscall.Kill(-pid, 0) == nil
}

// outBuf collects output; exec copies into it from one goroutine.
type outBuf struct{ b []byte }

func (o *outBuf) Write(p []byte) (int, error) {
	o.b = append(o.b, p...)
	return len(p), nil
}
