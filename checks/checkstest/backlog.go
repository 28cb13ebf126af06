// Package checkstest holds test fixtures for health checks.
package checkstest

import (
	"syscall"
	"testing"
	"time"
)

// FullBacklog returns a TCP port, on every local address, whose listener
// never accepts and whose queue is already full, so the kernel drops
// further SYNs: a connect there waits until its deadline, as with a
// black-holed real. It closes everything when the test ends.
func FullBacklog(t testing.TB) uint16 {
	t.Helper()
	sock := func() int {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(fd) })
		return fd
	}
	ln := sock()
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(ln, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(ln)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	// Backlog 0 queues one connection; these two fill the queue.
	for range 2 {
		c := sock()
		if err := syscall.SetNonblock(c, true); err != nil {
			t.Fatal(err)
		}
		_ = syscall.Connect(c, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
	}
	time.Sleep(100 * time.Millisecond) // the handshakes complete in the kernel
	return uint16(port)
}
