package checks

import (
	"net"
	"syscall"
	"unsafe"
)

// unread reports whether the kernel holds bytes received on c that no
// one has read (FIONREAD), looking through a TLS connection to its
// socket.
func unread(c net.Conn) bool {
	if t, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = t.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var n int32
	_ = rc.Control(func(fd uintptr) {
		if _, _, e := syscall.RawSyscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); e != 0 {
			n = 0
		}
	})
	return n > 0
}
