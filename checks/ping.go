package checks

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Ping is checktype=ping (and connect on UDP virtuals): ICMP echo, up on
// the first reply, checkcount attempts of checktimeout each (check_ping
// with Net::Ping "icmp"). It uses a raw socket when allowed (root) and
// falls back to an unprivileged ping socket (net.ipv4.ping_group_range).
type Ping struct {
	// Unprivileged forces the ping socket, for tests.
	Unprivileged bool
}

func (Ping) String() string { return TypePing }

func (p Ping) Check(ctx context.Context, t Target) Result {
	n := t.checkCount()
	return timed(ctx, t.checkTimeout()*time.Duration(n), func(ctx context.Context) Result {
		pc, raw, err := p.listen(t.RealAddr.Unmap().Is6())
		if err != nil {
			return fail("icmp socket", err)
		}
		defer pc.Close()
		stop := context.AfterFunc(ctx, func() { _ = pc.SetDeadline(time.Now()) })
		defer stop()
		var last error
		for i := range n {
			if ctx.Err() != nil {
				break
			}
			err := echo(ctx, pc, raw, t.RealAddr.Unmap(), uint16(i+1), t.checkTimeout())
			if err == nil {
				return up(fmt.Sprintf("echo reply from %s", t.RealAddr))
			}
			last = err
		}
		if last == nil {
			last = ctx.Err()
		}
		return fail(fmt.Sprintf("ping %s (%d attempts)", t.RealAddr, n), last)
	})
}

// listen opens an ICMP socket for the family; raw reports a raw socket,
// which sees every ICMP packet of the host and needs filtering by id.
func (p Ping) listen(v6 bool) (net.PacketConn, bool, error) {
	if !p.Unprivileged {
		network, addr := "ip4:icmp", "0.0.0.0"
		if v6 {
			network, addr = "ip6:ipv6-icmp", "::"
		}
		pc, err := net.ListenPacket(network, addr)
		if err == nil {
			return pc, true, nil
		}
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EACCES) {
			return nil, false, err
		}
	}
	family, proto := syscall.AF_INET, syscall.IPPROTO_ICMP
	if v6 {
		family, proto = syscall.AF_INET6, syscall.IPPROTO_ICMPV6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, false, fmt.Errorf("ping socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "icmp")
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, false, fmt.Errorf("ping socket: %w", err)
	}
	return pc, false, nil
}

// echo sends one echo request and waits for its reply until wait or ctx ends.
func echo(ctx context.Context, pc net.PacketConn, raw bool, dst netip.Addr, seq uint16, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := pc.SetDeadline(deadline); err != nil {
		return err
	}
	id := uint16(rand.Uint32())
	token := make([]byte, 16)
	binary.BigEndian.PutUint64(token, rand.Uint64())
	binary.BigEndian.PutUint64(token[8:], rand.Uint64())

	v6 := dst.Is6()
	reqType, replyType := byte(8), byte(0)
	if v6 {
		reqType, replyType = 128, 129
	}
	msg := make([]byte, 8, 8+len(token))
	msg[0] = reqType
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	msg = append(msg, token...)
	if !v6 {
		// The kernel computes ICMPv6 checksums itself, not ICMPv4 ones.
		binary.BigEndian.PutUint16(msg[2:], checksum(msg))
	}
	var to net.Addr = &net.IPAddr{IP: dst.AsSlice()}
	if !raw {
		to = &net.UDPAddr{IP: dst.AsSlice()}
	}
	markConnect(ctx)
	if _, err := pc.WriteTo(msg, to); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if sameIP(from, dst) && isEchoReply(buf[:n], replyType, raw, id, seq, token) {
			return nil
		}
	}
}

// isEchoReply reports whether b is the reply to our echo request. A ping
// socket rewrites the id, so only a raw socket checks it.
func isEchoReply(b []byte, replyType byte, raw bool, id, seq uint16, token []byte) bool {
	return len(b) >= 8+len(token) && b[0] == replyType &&
		(!raw || binary.BigEndian.Uint16(b[4:]) == id) &&
		binary.BigEndian.Uint16(b[6:]) == seq && bytes.Equal(b[8:8+len(token)], token)
}

func sameIP(a net.Addr, ip netip.Addr) bool {
	var got net.IP
	switch a := a.(type) {
	case *net.IPAddr:
		got = a.IP
	case *net.UDPAddr:
		got = a.IP
	default:
		return false
	}
	g, ok := netip.AddrFromSlice(got)
	return ok && g.Unmap() == ip
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
