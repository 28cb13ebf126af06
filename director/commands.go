package director

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// cmdQueue runs ldirectord's system() calls (fallbackcommand, callback,
// execute=) one after another, in the order the reconciler asked for
// them, without making the reconciler wait for them.
type cmdQueue struct {
	log   *Logger
	shell func(ctx context.Context, cmd string) error

	mu     sync.Mutex
	jobs   []func(ctx context.Context)
	wake   chan struct{}
	closed bool
	done   chan struct{}
}

func newCmdQueue(log *Logger, shell func(ctx context.Context, cmd string) error) *cmdQueue {
	if shell == nil {
		shell = runShell
	}
	return &cmdQueue{log: log, shell: shell, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// system queues a shell command; a failure is logged as ldirectord's
// system_wrapper does.
func (q *cmdQueue) system(cmd string) {
	q.do(func(ctx context.Context) {
		if err := q.shell(ctx, cmd); err != nil {
			q.log.Printf("system(%s) failed: %v", cmd, err)
		}
	})
}

// do queues a job.
func (q *cmdQueue) do(job func(ctx context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.jobs = append(q.jobs, job)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run executes jobs until close has been called and the queue is empty,
// or ctx is done (running jobs then get ctx's cancellation).
func (q *cmdQueue) run(ctx context.Context) error {
	defer close(q.done)
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return nil
			}
			select {
			case <-q.wake:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		job := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		job(ctx)
	}
}

// close stops accepting jobs and waits up to limit for the queued ones.
func (q *cmdQueue) close(limit time.Duration) {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case <-q.done:
	case <-time.After(limit):
		q.log.Printf("Commands still running after %s; not waiting for them", limit)
	}
}

// runShell is Perl's system(STRING): /bin/sh -c.
func runShell(ctx context.Context, cmd string) error {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.WaitDelay = time.Second
	if err := c.Run(); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// isExecutable is Perl's -x for the callback.
func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode().Perm()&0o111 != 0
}
