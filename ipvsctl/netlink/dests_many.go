package netlink

import (
	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// A listing needs every service's destinations. IPVS's netlink API has
// no dump of them all, only one dump per service; the kernel's
// /proc/net/ip_vs has them all in one read, for the fields it shows.

var _ ipvsctl.MultiDestinations = (*Client)(nil)

// DestinationsOf lists the destinations of every service in svcs. Unless
// detail is DestFull they come from one read of /proc/net/ip_vs; services it
// cannot answer for (missing, ambiguous, tunnels when their details are
// wanted) are dumped over netlink.
func (n *Client) DestinationsOf(svcs []ipvsctl.Service, detail ipvsctl.DestDetail) ([][]ipvsctl.Destination, []error) {
	dests := make([][]ipvsctl.Destination, len(svcs))
	errs := make([]error, len(svcs))
	n.conn.mu.Lock()
	n.conn.drainLocked() // queued writes land before anyone reads
	n.conn.mu.Unlock()
	todo := make([]int, 0, len(svcs))
	var table procTable
	if detail != ipvsctl.DestFull {
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
func (n *Client) dumpDestinations(svcs []ipvsctl.Service, todo []int, dests [][]ipvsctl.Destination, errs []error) {
	for _, i := range todo {
		dests[i], errs[i] = destinationsOn(n.conn, &svcs[i])
	}
}

func destinationsOn(c *genlConn, s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	msgs, err := c.ipvs(cmdGetDest, unix.NLM_F_DUMP, serviceKeyAttr(s))
	if err != nil {
		return nil, kerr(ipvsctl.OpGetDests, err)
	}
	out := make([]ipvsctl.Destination, 0, len(msgs))
	for _, m := range msgs {
		d, err := decodeDestination(m, s.Family)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
