package checks

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// startConnect starts a TCP connection to ap that a check ends with a
// reset. It is net.Dialer's connect without what a health check does not
// need (the resolver, dual-stack racing, a watcher per context, a
// net.Conn): a director checks a thousand reals a second, and the
// daemon's memory and CPU are mostly these checks (docs/performance.md).
// A handshake that is over when connect returns (a real on this host or
// behind a veth, where the whole exchange runs inside the call) needs no
// wait: startConnect ends it and returns fd -1 with the result. Otherwise
// it returns the socket for waitConnect. Errors read as net.Dialer's do
// ("dial tcp ADDR: connect: connection refused").
//
//go:noinline
func startConnect(ap netip.AddrPort) (fd int, err error) {
	family, zone, err := sockFamily(ap)
	if err != nil {
		return -1, dialError(ap, err)
	}
	fd, err = syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return -1, dialError(ap, os.NewSyscallError("socket", err))
	}
	// A reset on close: no FIN exchange and no TIME_WAIT socket per check
	// (what HAProxy's checks do too). Set before connecting, so no path
	// can close without it; the paths that reach the peer reset it first
	// (rawReset), so that the close has nothing left to send.
	rawLingerZero(fd)
	switch e := rawConnect(fd, ap, zone); e {
	case 0:
	case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
		done, cerr := rawConnectState(fd)
		if !done {
			return fd, nil
		}
		err = cerr
	default:
		err = os.NewSyscallError("connect", e)
	}
	rawReset(fd)
	rawClose(fd)
	if err != nil {
		return -1, dialError(ap, err)
	}
	return -1, nil
}

// waitConnect waits in the runtime's poller, bounded by t's check timeout
// from start and by ctx, for the connect that startConnect left running,
// and closes fd. Errors read as net.Dialer's do ("dial tcp ADDR: i/o
// timeout").
func waitConnect(ctx context.Context, fd int, t *Target, start time.Time) error {
	ap := t.connectAddr()
	deadline := start.Add(t.checkTimeout())
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	// A non-blocking descriptor joins the runtime's poller.
	f := os.NewFile(uintptr(fd), "tcp-check")
	defer f.Close()
	defer rawReset(fd)
	if err := f.SetWriteDeadline(deadline); err != nil {
		return dialError(ap, err)
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return dialError(ap, err)
	}
	// Write calls back before waiting and after each wake-up; the first
	// call must look too, since the handshake can end between the look
	// before and the wait being armed (arming clears earlier readiness).
	var connErr error
	werr := rc.Write(func(fd uintptr) bool {
		done, err := rawConnectState(int(fd))
		connErr = err
		return done
	})
	switch {
	case werr == nil:
		if connErr != nil {
			return dialError(ap, connErr)
		}
		return nil
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return dialError(ap, ctx.Err())
	case errors.Is(werr, os.ErrDeadlineExceeded):
		// A goroutine that comes to wait only after its deadline is told
		// so without a look at the socket: the handshake may be over.
		if done, err := rawConnectState(fd); done && err == nil {
			markOf(ctx).miss()
		}
		return dialError(ap, os.ErrDeadlineExceeded)
	}
	return dialError(ap, werr)
}

func dialError(ap netip.AddrPort, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err}
}

// sockFamily is ap's address family and, for a scoped IPv6 address, its
// interface index.
func sockFamily(ap netip.AddrPort) (family int, zone uint32, err error) {
	a := ap.Addr().Unmap()
	if a.Is4() {
		return syscall.AF_INET, 0, nil
	}
	if z := a.Zone(); z != "" {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return 0, 0, err
		}
		zone = uint32(ifi.Index)
	}
	return syscall.AF_INET6, zone, nil
}
