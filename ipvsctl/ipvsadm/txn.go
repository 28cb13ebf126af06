package ipvsadm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// All-or-nothing runs of many commands (-R --atomic, lvsctl apply). The
// kernel has no transactions, so each write that holds records the
// commands that undo it, and a refusal undoes them, last first. An undo
// needs the values a write replaces: for -R --atomic they are read from
// the kernel just before the write; apply has them from the table it
// diffed against.

// txnStep is one command of the run and where it came from (an input
// line, a change's index).
type txnStep struct {
	at  int
	cmd *Command
	// undo, if known is set, is what undoes cmd (nil: nothing to undo);
	// otherwise it is read from the kernel before cmd runs.
	undo  []*Command
	known bool
}

// undoStep is the undo of one write that held.
type undoStep struct {
	at   int
	cmds []*Command
}

// UndoFailure is an undo command the kernel refused: the table is left
// part changed.
type UndoFailure struct {
	At      int    // the step whose write it undoes
	Command string // the undo, as an ipvsadm command line
	Err     error
}

// txn runs steps through the Runner, the one place this personality
// writes.
type txn struct {
	r *Runner
	// held are the writes that held, in the order they were made.
	held []undoStep
	// pending are the batched writes whose results are still to come.
	pending []undoStep
	// failed is the first step that failed, and why.
	failed  bool
	failAt  int
	failErr error
}

func (t *txn) fail(at int, err error) {
	if !t.failed {
		t.failed, t.failAt, t.failErr = true, at, err
	}
}

// result takes a batched write's result, in call order. It runs with the
// client's lock held: it must not use the client.
func (t *txn) result(err error) {
	st := t.pending[0]
	t.pending = t.pending[1:]
	if err != nil {
		t.fail(st.at, err)
		return
	}
	if st.cmds != nil {
		t.held = append(t.held, st)
	}
}

// run executes the steps in order until one fails. With a Batcher client
// adds are pipelined; a read (an undo that needs old values, a listing)
// waits for the writes before it, so no step runs on a state the run did
// not expect for longer than one batch.
func (t *txn) run(steps []txnStep) {
	b, batching := t.r.Client.(ipvsctl.Batcher)
	if batching {
		b.BeginBatch(t.result)
	}
	for i := range steps {
		st := &steps[i]
		undo := st.undo
		if !st.known {
			u, err := t.r.undoOf(st.cmd)
			if t.failed {
				break // a batched write before it failed meanwhile
			}
			if err != nil {
				t.fail(st.at, err)
				break
			}
			undo = u
		}
		err := t.r.execute(st.cmd, true)
		if batching && err == nil && isKernelWrite(st.cmd.Cmd) {
			t.pending = append(t.pending, undoStep{at: st.at, cmds: undo})
			if t.failed {
				break
			}
			continue
		}
		if batching {
			b.EndBatch() // earlier results first
			b.BeginBatch(t.result)
		}
		if err != nil {
			t.fail(st.at, err)
			break
		}
		if undo != nil {
			t.held = append(t.held, undoStep{at: st.at, cmds: undo})
		}
		if t.failed {
			break
		}
	}
	if batching {
		b.EndBatch()
	}
}

// rollback undoes every write that held, last first, and returns the
// undo commands the kernel refused.
func (t *txn) rollback() []UndoFailure {
	var out []UndoFailure
	for i := len(t.held) - 1; i >= 0; i-- {
		for _, c := range t.held[i].cmds {
			if err := t.r.execute(c, true); err != nil {
				var re *ReturnError
				if errors.As(err, &re) && re.Err != nil {
					err = re.Err
				}
				out = append(out, UndoFailure{At: t.held[i].at, Command: commandText(c), Err: err})
			}
		}
	}
	return out
}

// undoOf reads what c is about to change and returns the commands that
// put it back: nil when c changes nothing that can be put back (a
// listing, -Z), or when what it would change is not there, so that c
// fails by itself. An error is a failed read: nothing could promise the
// way back, so the run stops there.
func (r *Runner) undoOf(c *Command) ([]*Command, error) {
	svcCmd := func(cmd Cmd, s ipvsctl.Service) *Command { return &Command{Cmd: cmd, Svc: s} }
	destCmd := func(cmd Cmd, s ipvsctl.Service, d ipvsctl.Destination) *Command {
		return &Command{Cmd: cmd, Svc: s, Dest: d}
	}
	switch c.Cmd {
	case CmdAdd:
		return []*Command{svcCmd(CmdDel, c.Svc)}, nil
	case CmdAddDest:
		return []*Command{destCmd(CmdDelDest, c.Svc, c.Dest)}, nil
	case CmdEdit:
		old, err := r.Client.GetService(c.Svc.Key())
		if err != nil {
			return nil, absent(err)
		}
		return []*Command{svcCmd(CmdEdit, old)}, nil
	case CmdDel:
		old, err := r.Client.GetService(c.Svc.Key())
		if err != nil {
			return nil, absent(err)
		}
		return r.recreate(old)
	case CmdFlush:
		svcs, err := r.Client.Services()
		if err != nil {
			return nil, fmt.Errorf("read the table to undo -C: %w", err)
		}
		var out []*Command
		for i := range svcs {
			cmds, err := r.recreate(svcs[i])
			if err != nil {
				return nil, err
			}
			out = append(out, cmds...)
		}
		return out, nil
	case CmdEditDest, CmdDelDest:
		dests, err := r.Client.Destinations(&c.Svc)
		if err != nil {
			return nil, absent(err)
		}
		for _, d := range dests {
			if d.Key() != c.Dest.Key() {
				continue
			}
			if c.Cmd == CmdEditDest {
				return []*Command{destCmd(CmdEditDest, c.Svc, d)}, nil
			}
			return []*Command{destCmd(CmdAddDest, c.Svc, d)}, nil
		}
		return nil, nil
	case CmdTimeout:
		old, err := r.Client.Timeouts()
		if err != nil {
			return nil, fmt.Errorf("read the timeouts to undo --set: %w", err)
		}
		return []*Command{{Cmd: CmdTimeout, Timeouts: old}}, nil
	case CmdStartDaemon:
		return []*Command{{Cmd: CmdStopDaemon, Daemon: ipvsctl.Daemon{State: c.Daemon.State}}}, nil
	case CmdStopDaemon:
		ds, err := r.Client.Daemons()
		if err != nil {
			return nil, fmt.Errorf("read the sync daemons to undo --stop-daemon: %w", err)
		}
		for _, d := range ds {
			if d.State&c.Daemon.State != 0 {
				d.State = c.Daemon.State
				return []*Command{{Cmd: CmdStartDaemon, Daemon: d}}, nil
			}
		}
	}
	return nil, nil
}

// recreate is what brings back a service a write deletes: the service,
// then its real servers in the order that lists them as now (the kernel
// lists the last one added first).
func (r *Runner) recreate(s ipvsctl.Service) ([]*Command, error) {
	dests, err := r.Client.Destinations(&s)
	if err != nil {
		return nil, fmt.Errorf("read the real servers of %s: %w", &s, err)
	}
	out := []*Command{{Cmd: CmdAdd, Svc: s}}
	for i := len(dests) - 1; i >= 0; i-- {
		out = append(out, &Command{Cmd: CmdAddDest, Svc: s, Dest: dests[i]})
	}
	return out, nil
}

// absent turns "not there" into no undo (the write then fails by itself
// with the kernel's own message); any other read error stays one.
func absent(err error) error {
	if errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENOENT) {
		return nil
	}
	return fmt.Errorf("read before write: %w", err)
}

// commandText is a command as an ipvsadm command line, for messages.
func commandText(c *Command) string {
	switch c.Cmd {
	case CmdTimeout:
		return fmt.Sprintf("--set %d %d %d", c.Timeouts.TCP, c.Timeouts.TCPFin, c.Timeouts.UDP)
	case CmdStartDaemon, CmdStopDaemon:
		state, _ := c.Daemon.StateName()
		line := "--" + c.Cmd.String() + " " + state
		if c.Cmd == CmdStartDaemon {
			line += " --mcast-interface " + c.Daemon.McastIfn + " --syncid " + strconv.Itoa(int(c.Daemon.SyncID))
		}
		return line
	}
	for op, cmd := range changeCmds {
		if cmd == c.Cmd {
			ch := ipvsctl.Change{Op: op, Service: c.Svc}
			if c.Cmd == CmdAddDest || c.Cmd == CmdEditDest || c.Cmd == CmdDelDest {
				d := c.Dest
				ch.Dest = &d
			}
			return CommandLine(&ch)
		}
	}
	return strings.TrimSpace("-" + c.Cmd.String())
}
