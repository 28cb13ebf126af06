package ipvsctl

import "golang.org/x/sys/unix"

// A listing needs every service's destinations. IPVS's netlink API has
// no dump of them all, only one dump per service; the kernel's
// /proc/net/ip_vs has them all in one read, for the fields it shows.

// MultiDestinations is implemented by clients that list the destinations
// of many services at once. errs[i] is the error for svcs[i].
type MultiDestinations interface {
	DestinationsOf(svcs []Service, detail DestDetail) (dests [][]Destination, errs []error)
}

// DestDetail says which destination fields a listing prints, so a client
// can skip work the output never shows.
type DestDetail uint8

const (
	DestFull   DestDetail = iota // every field, counters included
	DestBasic                    // address, forwarding method, weight, active and inactive connections
	DestTunnel                   // DestBasic and the tunnel type, port and flags
)

// DetailFor is the destination detail a listing in format needs.
func DetailFor(format uint) DestDetail {
	switch {
	case format&FmtRule != 0:
		return DestTunnel
	case format&(FmtStats|FmtRate|FmtThresholds|FmtPersistentConn) != 0:
		return DestFull
	case format&FmtTunInfo != 0:
		return DestTunnel
	}
	return DestBasic
}

var _ MultiDestinations = (*Netlink)(nil)

// DestinationsOf lists the destinations of every service in svcs. Unless
// detail is DestFull they come from one read of ProcIPVSFile; services it
// cannot answer for (missing, ambiguous, tunnels when their details are
// wanted) are dumped over netlink.
func (n *Netlink) DestinationsOf(svcs []Service, detail DestDetail) ([][]Destination, []error) {
	dests := make([][]Destination, len(svcs))
	errs := make([]error, len(svcs))
	n.conn.mu.Lock()
	n.conn.drainLocked() // queued writes land before anyone reads
	n.conn.mu.Unlock()
	todo := make([]int, 0, len(svcs))
	var table procTable
	if detail != DestFull {
		table = n.readProcIPVS()
	}
	for i := range svcs {
		if d, ok := table.lookup(&svcs[i], detail); ok {
			dests[i] = d
		} else {
			todo = append(todo, i)
		}
	}
	n.dumpDestinations(svcs, todo, dests, errs)
	return dests, errs
}

// dumpDestinations fills dests[i], errs[i] for each i in todo over
// netlink, one dump after the other on the one socket: spreading them
// over more sockets and goroutines measured slower in the lab (thread
// hand-offs cost more than the kernel's dump work they overlap).
func (n *Netlink) dumpDestinations(svcs []Service, todo []int, dests [][]Destination, errs []error) {
	for _, i := range todo {
		dests[i], errs[i] = destinationsOn(n.conn, &svcs[i])
	}
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
