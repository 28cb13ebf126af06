package netlink

import (
	"fmt"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Pipelining: ipvsadm -R pays a socket, a family lookup and a round trip
// per line. A restore through this Client (an ipvsctl.Batcher) instead
// packs many requests into one sendmsg and reads their acknowledgements in bulk; results still reach the
// caller one by one, in line order.

// pipelineWindow bounds requests in flight: every request is acknowledged
// and unread acknowledgements must fit the socket's receive buffer.
const pipelineWindow = 128

var _ ipvsctl.Batcher = (*Client)(nil)

type pending struct {
	seq  uint32
	op   ipvsctl.Op
	done bool
	err  error
}

type pipeline struct {
	onResult func(error)
	buf      []byte
	queue    []*pending
}

// BeginBatch starts queueing writes.
func (n *Client) BeginBatch(done func(err error)) {
	n.conn.mu.Lock()
	n.conn.pipe = &pipeline{onResult: done}
	n.conn.mu.Unlock()
}

// EndBatch sends what is queued, reports every result and stops queueing.
func (n *Client) EndBatch() {
	n.conn.mu.Lock()
	defer n.conn.mu.Unlock()
	n.conn.drainLocked()
	n.conn.pipe = nil
}

// queueLocked adds a request to the pipeline, or reports false when no
// pipeline is open.
func (c *genlConn) queueLocked(op ipvsctl.Op, req *nl.NetlinkRequest) bool {
	p := c.pipe
	if p == nil {
		return false
	}
	p.buf = append(p.buf, req.Serialize()...)
	p.queue = append(p.queue, &pending{seq: req.Seq, op: op})
	if len(p.queue) >= pipelineWindow {
		c.drainLocked()
	}
	return true
}

// drainLocked sends the queued requests in one sendmsg and reads every
// acknowledgement.
func (c *genlConn) drainLocked() {
	p := c.pipe
	if p == nil || len(p.queue) == 0 {
		return
	}
	fail := func(err error) {
		for _, q := range p.queue {
			if !q.done {
				q.done, q.err = true, err
			}
		}
	}
	if err := c.send(p.buf); err != nil {
		fail(fmt.Errorf("netlink send: %w", err))
	}
	bySeq := make(map[uint32]*pending, len(p.queue))
	left := 0
	for _, q := range p.queue {
		if !q.done {
			bySeq[q.seq] = q
			left++
		}
	}
	for left > 0 {
		msgs, err := c.recv()
		if err != nil {
			fail(fmt.Errorf("netlink receive: %w", err))
			break
		}
		for _, m := range msgs {
			q, ok := bySeq[m.Header.Seq]
			if !ok || q.done || m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			q.done = true
			if e := int32(native.Uint32(m.Data[:4])); e != 0 {
				q.err = kerr(q.op, syscall.Errno(-e))
			}
			left--
		}
	}
	for _, q := range p.queue {
		p.onResult(q.err)
	}
	p.buf, p.queue = p.buf[:0], p.queue[:0]
}

// write runs a command that answers with an acknowledgement only: queued
// in a batch, or sent and waited for.
func (c *genlConn) write(op ipvsctl.Op, cmd uint8, attrs ...nl.NetlinkRequestData) error {
	c.mu.Lock()
	if c.pipe != nil {
		c.queueLocked(op, c.request(c.family, cmd, 0, attrs...))
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	if _, err := c.ipvs(cmd, 0, attrs...); err != nil {
		return kerr(op, err)
	}
	return nil
}
