package ipvsadm

import (
	"errors"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

func isKernelWrite(cmd Cmd) bool {
	switch cmd {
	case CmdAdd, CmdEdit, CmdDel, CmdFlush, CmdZero, CmdAddDest, CmdEditDest, CmdDelDest:
		return true
	}
	return false
}

// restore runs each stdin line as a command. Parse and validation errors
// stop it (ipvsadm exits); kernel refusals are printed and it goes on; the
// status is the last line's. With a Batcher client, writes are pipelined:
// their results arrive in line order, before anything that reads. Under
// the lvsctl name a line longer than MaxLineBytes stops it too.
func (r *Runner) restore() error {
	var last error
	report := func(err error) {
		if err != nil {
			r.Stdout.Flush()
			r.Stderr.Write([]byte(err.Error() + "\n"))
			last = errSilent
			return
		}
		last = nil
	}
	b, batching := r.Client.(ipvsctl.Batcher)
	if batching {
		b.BeginBatch(report)
		defer b.EndBatch()
	}
	lr := newLineReader(r.Stdin, r.Extensions)
	for {
		line, ok, ierr := lr.next()
		if ierr != nil {
			return r.inputRefusal("-R", ierr, "it and the lines after it were not run")
		}
		if !ok {
			break
		}
		args := restoreFields(line)
		if len(args) == 0 {
			continue
		}
		c, err := r.parse(args)
		if err == nil {
			err = r.execute(c, true)
			if batching && err == nil && isKernelWrite(c.Cmd) {
				continue // its result comes through report, in order
			}
		}
		if batching {
			b.EndBatch() // earlier lines' results come first
			b.BeginBatch(report)
		}
		var ee *ExitError
		if errors.As(err, &ee) {
			return err
		}
		var re *ReturnError
		if errors.As(err, &re) {
			r.Stdout.Flush()
			r.Stderr.Write([]byte(re.Msg))
			last = errSilent
		} else {
			last = err
		}
	}
	if batching {
		b.EndBatch()
		b.BeginBatch(report) // the deferred EndBatch closes it
	}
	return last
}

// errSilent is a failure whose message was already printed.
var errSilent = &ReturnError{}
