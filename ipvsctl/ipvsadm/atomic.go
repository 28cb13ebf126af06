package ipvsadm

import (
	"errors"
	"fmt"
)

// restoreAtomic is lvsctl -R --atomic: all of the input or none of it.
// Every line is parsed before the first write, so a typo on line 900
// changes nothing; then the lines run in order, each write recording
// what undoes it (read from the kernel just before it), and the first
// line that fails, a kernel refusal included, undoes every write made
// before it, last first. Under plain -R, as in ipvsadm, a refusal is
// printed and the next line runs.
func (r *Runner) restoreAtomic() error {
	lines, err := readInputLines(r.Stdin)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return r.inputRefusal("-R --atomic", err, "nothing applied")
		}
		return fmt.Errorf("read restore input: %w", err)
	}
	var steps []txnStep
	for n, line := range lines {
		args := restoreFields(line)
		if len(args) == 0 {
			continue
		}
		c, err := r.parse(args)
		if err == nil && c.Cmd == CmdRestore {
			err = tryHelp(r.Prog) // what -R inside -R ends with
		}
		if err != nil {
			return r.atomicRefusal(n+1, err, "nothing applied")
		}
		steps = append(steps, txnStep{at: n + 1, cmd: c})
	}
	t := &txn{r: r}
	t.run(steps)
	if !t.failed {
		return nil
	}
	undone := len(t.held)
	failures := t.rollback()
	if len(failures) == 0 {
		return r.atomicRefusal(t.failAt, t.failErr, UndoneText(undone)+", nothing applied")
	}
	r.Stdout.Flush()
	for _, f := range failures {
		fmt.Fprintf(r.Stderr, "%s: -R --atomic: undoing input line %d: %s: %v\n", r.Prog, f.At, f.Command, f.Err)
	}
	return r.atomicRefusal(t.failAt, t.failErr,
		fmt.Sprintf("%d of the %d undo commands were refused, the table is left part changed", len(failures), undoCount(t.held)))
}

// UndoneText says how many changes a refusal undid.
func UndoneText(n int) string {
	switch n {
	case 0:
		return "no change had been made"
	case 1:
		return "the change made was undone"
	}
	return fmt.Sprintf("the %d changes made were undone", n)
}

func undoCount(held []undoStep) int {
	n := 0
	for _, h := range held {
		n += len(h.cmds)
	}
	return n
}

// atomicRefusal keeps ipvsadm's message and status for the line that
// failed (2 for its parse errors, 255 for the kernel's, 1 for a missing
// service's listing) and says which line it was and what became of the
// table.
func (r *Runner) atomicRefusal(line int, err error, outcome string) error {
	msg, code := "", 2
	var ee *ExitError
	var re *ReturnError
	switch {
	case errors.As(err, &ee):
		if !ee.ToStdout {
			msg = ee.Msg
		}
		if ee.Code != 0 {
			code = ee.Code
		}
	case errors.As(err, &re):
		msg, code = re.Msg, 255
	default:
		msg, code = err.Error()+"\n", 255
	}
	return &ExitError{Code: code, Msg: fmt.Sprintf("%s%s: -R --atomic: input line %d refused, %s\n", msg, r.Prog, line, outcome)}
}

// inputRefusal is the end of a -R whose input is too large to read: what
// is named in err, and what became of the rest.
func (r *Runner) inputRefusal(what string, err error, outcome string) error {
	return &ExitError{Code: 2, Msg: fmt.Sprintf("%s: %s: input %v, %s\n", r.Prog, what, err, outcome)}
}
