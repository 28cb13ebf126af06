package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"syscall"
	"time"
)

// floor connects to each ADDR in turn, RATE times a second for SECONDS,
// the way a connect check does (handshake, then a reset) but with nothing
// else: blocking system calls, one thread, no runtime work between them.
// It prints the CPU it used in % of one core: what the kernel alone
// charges a process for that many TCP handshakes, the floor under any
// health checker's CPU at that rate. It sleeps only when 10 ms ahead, so
// that waking up (a context switch, costly under emulation) is not
// counted a thousand times a second.
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
		if d := time.Until(start.Add(time.Duration(i+1) * every)); d >= 10*time.Millisecond {
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
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.SetsockoptLinger(fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0}); err != nil {
		return err
	}
	return syscall.Connect(fd, &syscall.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())})
}
