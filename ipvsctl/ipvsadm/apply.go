package ipvsadm

import (
	"errors"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// ChangeState is what Apply did with one change.
type ChangeState string

// Change states, named as in docs/json.md.
const (
	ChangeMade       ChangeState = "made"        // made, and it holds
	ChangeRefused    ChangeState = "refused"     // the kernel refused it
	ChangeUndone     ChangeState = "undone"      // made, then undone after a refusal
	ChangeUndoFailed ChangeState = "undo_failed" // made, and its undo was refused
	ChangeNotRun     ChangeState = "not_run"     // not made: a change before it was refused
)

// ApplyResult is what Apply did: a state per change, and the errors that
// go with them.
type ApplyResult struct {
	States []ChangeState
	// Errs holds, per change, the kernel's refusal (ChangeRefused) or
	// the first refusal of its undo (ChangeUndoFailed).
	Errs []error
	// Refused is the index of the refused change, -1 if none was.
	Refused int
	// Undone counts the changes undone; UndoFailures lists the undo
	// commands the kernel refused.
	Undone       int
	UndoFailures []UndoFailure
}

// Apply makes changes through the Runner's client, in order, all or
// nothing: the first change the kernel refuses stops it, and the changes
// made before it (and any pipelined after it) are undone, last first,
// with the values the diff read (a change carries the configuration it
// replaces). With a Batcher client the writes are pipelined.
func (r *Runner) Apply(changes []ipvsctl.Change) ApplyResult {
	steps := make([]txnStep, len(changes))
	for i := range changes {
		steps[i] = txnStep{at: i, cmd: changeCommand(&changes[i]), undo: changeUndo(&changes[i]), known: true}
	}
	t := &txn{r: r}
	t.run(steps)
	res := ApplyResult{States: make([]ChangeState, len(changes)), Errs: make([]error, len(changes)), Refused: -1}
	state := ChangeMade
	if t.failed {
		state = ChangeNotRun
		res.Refused = t.failAt
		res.States[t.failAt] = ChangeRefused
		res.Errs[t.failAt] = kernelCause(t.failErr)
		res.Undone = len(t.held)
		res.UndoFailures = t.rollback()
	}
	for i := range res.States {
		if res.States[i] == "" {
			res.States[i] = state
		}
	}
	if t.failed {
		for _, h := range t.held {
			res.States[h.at] = ChangeUndone
		}
		for _, f := range res.UndoFailures {
			if res.States[f.At] != ChangeUndoFailed {
				res.States[f.At], res.Errs[f.At] = ChangeUndoFailed, f.Err
				res.Undone--
			}
		}
	}
	return res
}

// kernelCause is the kernel's error inside the runner's wording of it.
func kernelCause(err error) error {
	var re *ReturnError
	if errors.As(err, &re) && re.Err != nil {
		return re.Err
	}
	return err
}

// changeUndo is the change's inverse, from the values it carries.
func changeUndo(c *ipvsctl.Change) []*Command {
	switch c.Op {
	case ipvsctl.OpAddSvc:
		return []*Command{{Cmd: CmdDel, Svc: c.Service}}
	case ipvsctl.OpEditSvc:
		return []*Command{{Cmd: CmdEdit, Svc: *c.WasSvc}}
	case ipvsctl.OpDelSvc:
		out := []*Command{{Cmd: CmdAdd, Svc: c.Service}}
		for i := len(c.WasDests) - 1; i >= 0; i-- {
			out = append(out, &Command{Cmd: CmdAddDest, Svc: c.Service, Dest: c.WasDests[i]})
		}
		return out
	case ipvsctl.OpAddDst:
		return []*Command{{Cmd: CmdDelDest, Svc: c.Service, Dest: *c.Dest}}
	case ipvsctl.OpEditDst:
		return []*Command{{Cmd: CmdEditDest, Svc: c.Service, Dest: *c.WasDest}}
	case ipvsctl.OpDelDst:
		return []*Command{{Cmd: CmdAddDest, Svc: c.Service, Dest: *c.Dest}}
	}
	return nil
}
