package director

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lvsctl/lvsctl/internal/proc"
)

// commands runs what ldirectord runs with system() (fallbackcommand,
// callback, execute=) and sends the alert mails, without making the
// reconciler wait for any of them. Each runs in a lane: the commands of
// one lane run one after another, in the order they were asked for, and
// lanes run side by side, so a hung command holds up only the commands
// after it in its own lane, and only until its deadline. The lanes are
// one per kind and virtual: a virtual's fallbackcommand, a virtual's
// alert mails (so a real's alerts keep their order), the callback, an
// execute= instance. Every command runs under commandtimeout (a program
// still running then is killed with its whole process group); a panic
// in one is logged with its stack and ends that command only.
//
// A lane has a goroutine only while it has work: an idle daemon has
// none.
type commands struct {
	log *Logger
	// timeout is the commandtimeout in force (setTimeout: it changes on
	// reload).
	timeout atomic.Int64
	// ctx ends the running commands and drops the queued ones (stop,
	// once the wait is over).
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	lanes  map[string]*lane
	closed bool
	active int           // lanes with a goroutine
	idle   chan struct{} // closed once closed is set and active is 0
}

// lane is one queue of commands.
type lane struct {
	jobs    []command
	running bool
}

// command is one queued job; what names it in log lines, and fail, if
// set, logs its failure (else "WHAT failed: ERR").
type command struct {
	what string
	run  func(ctx context.Context) error
	fail func(err error)
}

// commandKillGrace is how long a command has to end after SIGTERM before
// its process group gets SIGKILL.
const commandKillGrace = time.Second

// stopCommandsWait bounds how long a stop waits for the commands queued
// or running (its own execute= stops and alert mails among them) before
// it kills them and drops what has not started.
const stopCommandsWait = 10 * time.Second

func newCommands(log *Logger, timeout time.Duration) *commands {
	ctx, cancel := context.WithCancel(context.Background())
	q := &commands{log: log, ctx: ctx, cancel: cancel, lanes: map[string]*lane{}, idle: make(chan struct{})}
	q.setTimeout(timeout)
	return q
}

// setTimeout sets the bound of the commands that start from now on.
func (q *commands) setTimeout(d time.Duration) { q.timeout.Store(int64(d)) }

// do queues c in lane key.
func (q *commands) do(key string, c command) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.log.Printf("%s not run: the daemon has stopped", c.what)
		return
	}
	l := q.lanes[key]
	if l == nil {
		l = &lane{}
		q.lanes[key] = l
	}
	l.jobs = append(l.jobs, c)
	if !l.running {
		l.running = true
		q.active++
		go q.drain(key, l)
	}
}

// drain runs a lane's commands until it is empty, then ends (and the
// lane is forgotten until it has work again).
func (q *commands) drain(key string, l *lane) {
	for {
		q.mu.Lock()
		if len(l.jobs) == 0 {
			l.running = false
			delete(q.lanes, key)
			q.active--
			if q.closed && q.active == 0 {
				close(q.idle)
			}
			q.mu.Unlock()
			return
		}
		c := l.jobs[0]
		l.jobs[0] = command{}
		l.jobs = l.jobs[1:]
		q.mu.Unlock()
		if q.ctx.Err() != nil {
			q.log.Printf("%s not run: the daemon stopped before its turn", c.what)
			continue
		}
		q.runOne(c)
	}
}

// runOne runs one command under commandtimeout and logs how it failed.
func (q *commands) runOne(c command) {
	limit := time.Duration(q.timeout.Load())
	ctx, cancel := context.WithTimeout(q.ctx, limit)
	defer cancel()
	err := q.protect(ctx, c)
	switch {
	case err == nil:
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		q.log.Printf("%s did not finish within %s (commandtimeout): killed with its process group", c.what, limit)
	case c.fail != nil:
		c.fail(err)
	default:
		q.log.Printf("%s failed: %v", c.what, err)
	}
}

// protect runs c, turning a panic into its error (logged with the stack).
func (q *commands) protect(ctx context.Context, c command) (err error) {
	defer func() {
		if v := recover(); v != nil {
			q.log.Printf("panic in %s: %v\n%s", c.what, v, debug.Stack())
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return c.run(ctx)
}

// close stops taking commands and waits up to wait for those queued and
// running; then it ends the running ones (their process groups are
// killed), drops those that have not started (each logged), and waits
// for the lanes to end, at most commandKillGrace and a second more.
func (q *commands) close(wait time.Duration) {
	q.mu.Lock()
	if !q.closed && q.active == 0 {
		close(q.idle)
	}
	q.closed = true
	q.mu.Unlock()
	if q.waitLanes(wait) {
		q.cancel()
		return
	}
	q.log.Printf("Commands still running after %s: killing them", wait)
	q.cancel()
	if !q.waitLanes(commandKillGrace + time.Second) {
		q.log.Log("Commands still running after being killed: not waiting for them")
	}
}

// waitLanes waits up to d for every lane to end (after close).
func (q *commands) waitLanes(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-q.idle:
		return true
	case <-t.C:
		return false
	}
}

// system queues a shell command line in lane key, as ldirectord's
// system_wrapper runs it (through /bin/sh -c).
func (q *commands) system(key, cmd string, shell func(ctx context.Context, cmd string) error) {
	q.do(key, command{what: "system(" + cmd + ")", run: func(ctx context.Context) error { return shell(ctx, cmd) }})
}

// RunShell is Perl's system(STRING), /bin/sh -c, in a process group of
// its own: when ctx ends the whole group gets SIGTERM, then SIGKILL.
func RunShell(ctx context.Context, cmd string) error {
	if err := proc.Command(ctx, commandKillGrace, "/bin/sh", "-c", cmd).Run(); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// isExecutable is Perl's -x for the callback.
func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode().Perm()&0o111 != 0
}
