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

// connectReset opens a TCP connection to ap and ends it with a reset. It
// is net.Dialer's connect without what a health check does not need (the
// resolver, dual-stack racing, a watcher per context, a net.Conn): a
// director checks a thousand reals a second, and the daemon's memory and
// CPU are mostly these checks in flight (docs/performance.md). The socket
// waits in the runtime's poller, bounded by deadline and by ctx. Errors
// read as net.Dialer's do ("dial tcp ADDR: connect: connection refused",
// "dial tcp ADDR: i/o timeout").
func connectReset(ctx context.Context, ap netip.AddrPort, deadline time.Time) error {
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err}
	}
	sa, family, err := sockaddr(ap)
	if err != nil {
		return opErr(err)
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return opErr(os.NewSyscallError("socket", err))
	}
	// A reset on close: no FIN exchange and no TIME_WAIT socket per check
	// (what HAProxy's checks do too). Set before connecting, so no path
	// can close without it.
	_ = syscall.SetsockoptLinger(fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	// A non-blocking descriptor joins the runtime's poller.
	f := os.NewFile(uintptr(fd), "tcp-check")
	defer f.Close()
	switch err := syscall.Connect(fd, sa); err {
	case nil:
		return nil
	case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
	default:
		return opErr(os.NewSyscallError("connect", err))
	}
	if err := f.SetWriteDeadline(deadline); err != nil {
		return opErr(err)
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return opErr(err)
	}
	// Write calls back before waiting and after each wake-up; the first
	// call must look too, since on a near real the handshake can be over
	// before the wait is armed (arming clears earlier readiness).
	var connErr error
	werr := rc.Write(func(fd uintptr) bool {
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		switch {
		case err != nil:
			connErr = os.NewSyscallError("getsockopt", err)
		case v != 0:
			connErr = os.NewSyscallError("connect", syscall.Errno(v))
		default:
			// No error: connected, or still connecting (no peer yet).
			if _, err := syscall.Getpeername(int(fd)); errors.Is(err, syscall.ENOTCONN) {
				return false
			}
		}
		return true
	})
	switch {
	case werr == nil:
		if connErr != nil {
			return opErr(connErr)
		}
		return nil
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return opErr(ctx.Err())
	case errors.Is(werr, os.ErrDeadlineExceeded):
		return opErr(os.ErrDeadlineExceeded)
	}
	return opErr(werr)
}

func sockaddr(ap netip.AddrPort) (syscall.Sockaddr, int, error) {
	a := ap.Addr().Unmap()
	if a.Is4() {
		return &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}, syscall.AF_INET, nil
	}
	sa := &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return nil, 0, err
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, syscall.AF_INET6, nil
}
