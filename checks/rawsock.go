package checks

import (
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

// The connect check's system calls, made raw (syscall.RawSyscall: no
// entersyscall/exitsyscall around them). On a non-blocking socket none of
// them waits, but over a near real (veth, loopback) connect and the reset
// carry the whole handshake in softirq, hundreds of microseconds under
// emulation. A Go system call that long has its processor taken by the
// runtime's monitor thread and handed to another thread, and a thousand
// of them a second keep that monitor polling every 20 µs: in the lab it
// was a fifth of the daemon's CPU (perf, docs/performance.md). A raw call
// keeps its processor, which is what a call that cannot block should do.

// rawConnect starts a connect of the non-blocking socket fd to ap.
func rawConnect(fd int, ap netip.AddrPort, zone uint32) syscall.Errno {
	a := ap.Addr().Unmap()
	port := ap.Port()
	if a.Is4() {
		sa := syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: a.As4()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		_, _, e := syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
		return e
	}
	sa := syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: a.As16(), Scope_id: zone}
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	_, _, e := syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
	return e
}

// rawReset ends fd's connection with a reset, as a close with SO_LINGER 0
// would (both are the kernel's tcp_disconnect): connect with AF_UNSPEC
// dissolves a TCP socket's association, leaving the close that follows
// nothing to send.
func rawReset(fd int) {
	sa := syscall.RawSockaddr{Family: syscall.AF_UNSPEC}
	_, _, _ = syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa))
}

// rawLingerZero makes a close of fd send a reset (for the paths that
// close without rawReset).
func rawLingerZero(fd int) {
	l := syscall.Linger{Onoff: 1, Linger: 0}
	_, _, _ = syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_LINGER,
		uintptr(unsafe.Pointer(&l)), unsafe.Sizeof(l), 0)
}

// rawClose closes fd, which is not in the runtime's poller.
func rawClose(fd int) {
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
}

// The TCP states of tcp_info's first byte (include/net/tcp_states.h).
const (
	tcpEstablished = 1
	tcpSynSent     = 2
)

// rawConnectState reports whether fd's connect is over and, if it failed,
// why (as net.Dialer words it: "connect: connection refused"). The state
// comes from the first byte of TCP_INFO, one call; only a connect that
// ended otherwise than connected reads SO_ERROR. A soft error (an ICMP
// message) while the SYN is out leaves the state at SYN_SENT: the check
// waits on, as net.Dialer does.
func rawConnectState(fd int) (done bool, err error) {
	var state uint8
	n := uint32(1)
	if _, _, e := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&state)), uintptr(unsafe.Pointer(&n)), 0); e != 0 {
		return true, os.NewSyscallError("getsockopt", e)
	}
	switch state {
	case tcpSynSent:
		return false, nil
	case tcpEstablished:
		return true, nil
	}
	var v int32
	n = uint32(unsafe.Sizeof(v))
	if _, _, e := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&n)), 0); e != 0 {
		return true, os.NewSyscallError("getsockopt", e)
	}
	if v != 0 {
		return true, os.NewSyscallError("connect", syscall.Errno(v))
	}
	return true, nil // connected, and already closed by the peer
}
