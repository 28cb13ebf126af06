package ipvsadm

import (
	"errors"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Apply makes changes through the Runner's client, in order, the way -R
// runs their command lines: a refused change is reported and the rest
// still run (an earlier refusal rarely makes a later change wrong, and
// stopping half way would leave a table that is neither old nor new).
// With a Batcher client the writes are pipelined. The result has one
// entry per change: nil, or the kernel's error.
func (r *Runner) Apply(changes []ipvsctl.Change) []error {
	results := make([]error, len(changes))
	next := 0
	record := func(err error) {
		if next < len(results) {
			results[next] = err
		}
		next++
	}
	b, batching := r.Client.(ipvsctl.Batcher)
	if batching {
		b.BeginBatch(record)
	}
	for i := range changes {
		err := r.execute(changeCommand(&changes[i]), true)
		if batching && err == nil {
			continue // its result arrives through record, in order
		}
		if batching {
			// never happens for writes; keep the order straight anyway
			b.EndBatch()
			b.BeginBatch(record)
		}
		var re *ReturnError
		if errors.As(err, &re) && re.Err != nil {
			err = re.Err
		}
		record(err)
	}
	if batching {
		b.EndBatch()
	}
	return results
}
