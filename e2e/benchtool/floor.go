package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"syscall"
	"time"
	"unsafe"
)

// floor connects to each ADDR in turn, RATE times a second for SECONDS,
// the way a connect check does (handshake, then a reset) but with nothing
// else: blocking system calls, one thread, no runtime work between them.
// It prints the CPU it used in % of one core: what the kernel alone
// charges a process for that many TCP handshakes, the floor under any
// health checker's CPU at that rate. It sleeps only when 50 ms ahead, so
// that waking up (a context switch, costly under emulation) is not
// counted with every connect, and its system calls are raw (no hand-off
// of the Go processor while the kernel does the handshake).
func floor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	rate := fs.Int("rate", 1000, "connects per second")
	secs := fs.Int("seconds", 30, "how long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var addrs []netip.AddrPort
	for _, a := range fs.Args() {
		ap, err := netip.ParseAddrPort(a)
		if err != nil {
			return err
		}
		addrs = append(addrs, ap)
	}
	if len(addrs) == 0 || *rate <= 0 {
		return errors.New("usage: benchtool floor [-rate N] [-seconds S] ADDR:PORT [ADDR:PORT]")
	}
	var ru0 syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru0); err != nil {
		return err
	}
	start := time.Now()
	every := time.Second / time.Duration(*rate)
	failed := 0
	for i := 0; i < *rate**secs; i++ {
		if err := bareConnect(addrs[i%len(addrs)]); err != nil {
			failed++
		}
		if d := time.Until(start.Add(time.Duration(i+1) * every)); d >= 50*time.Millisecond {
			time.Sleep(d)
		}
	}
	elapsed := time.Since(start)
	var ru1 syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru1); err != nil {
		return err
	}
	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano()) * 100
	if failed > 0 {
		return fmt.Errorf("%d of %d connects failed", failed, *rate**secs)
	}
	fmt.Printf("%.1f\n", float64(cpu)/float64(elapsed))
	return nil
}

func bareConnect(ap netip.AddrPort) error {
	fd, _, e := syscall.RawSyscall(syscall.SYS_SOCKET, syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if e != 0 {
		return e
	}
	defer syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	l := syscall.Linger{Onoff: 1, Linger: 0}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, fd, syscall.SOL_SOCKET, syscall.SO_LINGER,
		uintptr(unsafe.Pointer(&l)), unsafe.Sizeof(l), 0); e != 0 {
		return e
	}
	sa := syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: ap.Addr().As4()}
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(ap.Port()>>8), byte(ap.Port())
	if _, _, e := syscall.RawSyscall(syscall.SYS_CONNECT, fd, uintptr(unsafe.Pointer(&sa)), unsafe.Sizeof(sa)); e != 0 {
		return e
	}
	return nil
}
