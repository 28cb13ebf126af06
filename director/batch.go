package director

import (
	"context"
	"time"
)

// maxBatch bounds how many transitions one pass of the loop applies.
const maxBatch = 4096

// batchGap spaces the passes: a report that arrives within batchGap of
// the last pass waits until batchGap has gone by, gathering whatever else
// comes. A black hole or its end makes the reals' reports arrive one by
// one over a check timeout, and every pass reads each touched service's
// table (a netlink dump of all its reals): without the gap 1,000 reals
// cost about 1,000 dumps, which under emulation took seconds
// (docs/performance.md). A report after a quiet spell is applied at once.
const batchGap = 100 * time.Millisecond

// changesState: some transition of ts may change a real (a first verdict
// that changes nothing costs no pass, so it does not delay the next).
func changesState(ts []transition) bool {
	for _, t := range ts {
		if !t.first {
			return true
		}
	}
	return false
}

// pendingTransitions is t and whatever else the probers have queued (up
// to maxBatch), of the current generation, and, if the last pass was
// less than batchGap ago, what they send until then: when many reals
// change at once (a switch dies) each service's table is read and
// written once per pass, not once per real.
func (d *daemon) pendingTransitions(ctx context.Context, t transition) []transition {
	batch := make([]transition, 0, 16)
	var wait <-chan time.Time
	if gap := batchGap - time.Since(d.lastBatch); gap > 0 {
		timer := time.NewTimer(gap)
		defer timer.Stop()
		wait = timer.C
	}
	for {
		if t.gen == d.gen {
			batch = append(batch, t)
		}
		if len(batch) >= maxBatch {
			return batch
		}
		select {
		case t = <-d.events:
			continue
		default:
		}
		if wait == nil {
			return batch
		}
		select {
		case t = <-d.events:
		case <-wait:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
}
