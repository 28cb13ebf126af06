package ipvsctl

import (
	"sync"

	"golang.org/x/sys/unix"
)

// A socket serves one dump at a time, and a listing needs one dump per
// service. For big tables Netlink spreads those dumps over a few extra
// sockets; results keep their service's place.

// MultiDestinations is implemented by clients that list the destinations
// of many services at once. errs[i] is the error for svcs[i].
type MultiDestinations interface {
	DestinationsOf(svcs []Service) (dests [][]Destination, errs []error)
}

var _ MultiDestinations = (*Netlink)(nil)

const (
	parallelDumpMin     = 64 // below this, extra sockets cost more than they save
	parallelDumpSockets = 4
)

// DestinationsOf lists the destinations of every service in svcs.
func (n *Netlink) DestinationsOf(svcs []Service) ([][]Destination, []error) {
	dests := make([][]Destination, len(svcs))
	errs := make([]error, len(svcs))
	if len(svcs) < parallelDumpMin {
		for i := range svcs {
			dests[i], errs[i] = n.Destinations(&svcs[i])
		}
		return dests, errs
	}
	n.conn.mu.Lock()
	n.conn.drainLocked() // queued writes land before anyone reads
	n.conn.mu.Unlock()
	next := make(chan int)
	var wg sync.WaitGroup
	worker := func(c *genlConn) {
		defer wg.Done()
		for i := range next {
			dests[i], errs[i] = destinationsOn(c, &svcs[i])
		}
	}
	wg.Add(1)
	go worker(n.conn)
	var extra []*genlConn
	for k := 1; k < parallelDumpSockets; k++ {
		c, err := dialGenl()
		if err != nil {
			break // the sockets we have will do
		}
		extra = append(extra, c)
		wg.Add(1)
		go worker(c)
	}
	for i := range svcs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, c := range extra {
		c.close()
	}
	return dests, errs
}

func destinationsOn(c *genlConn, s *Service) ([]Destination, error) {
	msgs, err := c.ipvs(cmdGetDest, unix.NLM_F_DUMP, serviceKeyAttr(s))
	if err != nil {
		return nil, kerr(OpGetDests, err)
	}
	out := make([]Destination, 0, len(msgs))
	for _, m := range msgs {
		d, err := decodeDestination(m, s.Family)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
