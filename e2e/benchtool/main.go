// Command benchtool is the daemon benchmark's helper in the lab (make
// bench): a cheap TCP server for a thousand real servers, a clock that
// runs a command and waits for the IPVS table to reach a state, and the
// CPU floor of bare TCP handshakes at a given rate.
//
//	benchtool serve ADDR
//	benchtool serve-http ADDR
//	benchtool until [-timeout D] [-every D] [-after] [-trace] COND -- CMD [ARG...]
//	benchtool watch [-seconds S] [-every D] [-on-drop CMD]
//	benchtool floor [-rate N] [-seconds S] ADDR:PORT...
//
// COND is one of
//
//	zero=N          at least N destinations have weight 0
//	up=N            at least N destinations have a weight above 0
//	weight=RIP:PORT,W  the destination RIP:PORT has weight W
//
// until prints the seconds from just before CMD ran (with -after: from
// when it exited) to the first poll that saw COND (the table is read from
// /proc/net/ip_vs every few ms). -after is for a CMD that makes a change
// (an iptables rule, a config file renamed into place): under emulation
// running iptables or sh, sed and mv takes a good part of a second, which
// is not the director's. -trace writes "trace SECONDS COUNT" to stderr
// whenever the number of destinations meeting COND changes.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: benchtool serve ADDR | until COND -- CMD [ARG] | floor ADDR:PORT [ADDR:PORT]")
	}
	switch args[0] {
	case "serve":
		if len(args) != 2 {
			return errors.New("usage: benchtool serve ADDR")
		}
		return serve(args[1])
	case "serve-http":
		if len(args) != 2 {
			return errors.New("usage: benchtool serve-http ADDR")
		}
		return serveHTTP(args[1])
	case "watch":
		return watch(args[1:])
	case "until":
		return until(args[1:])
	case "floor":
		return floor(args[1:])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// serve accepts and closes: the connect checks of the benchmark need no
// more, and a lean real leaves the lab's CPU to the director measured.
// It drains the accept queue every 10 ms rather than waking for each
// connection (net.Listener's way: a wake-up and a context switch per
// check, 45% of a vCPU at 1,000 checks a second in the lab); the kernel
// completes the handshakes meanwhile, into a queue of 4,096.
func serve(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("setsockopt: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
		return fmt.Errorf("bind %s: %w", addr, err)
	}
	if err := syscall.Listen(fd, 4096); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for {
		for {
			c, _, err := syscall.Accept4(fd, syscall.SOCK_CLOEXEC)
			if err == syscall.EAGAIN || err == syscall.ECONNABORTED || err == syscall.EINTR {
				break
			}
			if err != nil {
				return fmt.Errorf("accept: %w", err)
			}
			syscall.Close(c)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func until(args []string) error {
	fs := flag.NewFlagSet("until", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	every := fs.Duration("every", 5*time.Millisecond, "poll interval")
	after := fs.Bool("after", false, "start the clock when CMD has exited (its change is in effect then), not before it runs")
	trace := fs.Bool("trace", false, "write to stderr, at every poll that changes it, the time and how many destinations meet COND")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 3 || rest[1] != "--" {
		return errors.New("usage: benchtool until [-timeout D] [-every D] [-after] [-trace] COND -- CMD [ARG...]")
	}
	count, need, err := parseCond(rest[0])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, rest[2], rest[3:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(rest[2:], " "), err)
	}
	if *after {
		start = time.Now()
	}
	last := -1
	for {
		dests, err := readDests()
		if err != nil {
			return err
		}
		n := count(dests)
		if *trace && n != last {
			fmt.Fprintf(os.Stderr, "trace %.3f %d\n", time.Since(start).Seconds(), n)
			last = n
		}
		if n >= need {
			fmt.Printf("%.3f\n", time.Since(start).Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Printf(">%.0f\n", time.Since(start).Seconds()) // gave up: more than this
			return nil
		case <-time.After(*every):
		}
	}
}

type dest struct {
	addr   string // as /proc/net/ip_vs writes it: 0A0A0102:0050
	weight int
}

// parseCond returns COND as a count of the destinations that match it
// and how many must.
func parseCond(s string) (count func([]dest) int, need int, err error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return nil, 0, fmt.Errorf("bad condition %q", s)
	}
	var match func(d dest) bool
	need = 1
	switch k {
	case "zero", "up":
		if need, err = strconv.Atoi(v); err != nil {
			return nil, 0, fmt.Errorf("bad condition %q", s)
		}
		match = func(d dest) bool { return (d.weight == 0) == (k == "zero") }
	case "weight":
		ap, w, ok := strings.Cut(v, ",")
		want, err := strconv.Atoi(w)
		if !ok || err != nil {
			return nil, 0, fmt.Errorf("bad condition %q", s)
		}
		hex, err := procAddr(ap)
		if err != nil {
			return nil, 0, err
		}
		match = func(d dest) bool { return d.addr == hex && d.weight == want }
	default:
		return nil, 0, fmt.Errorf("bad condition %q", s)
	}
	count = func(ds []dest) int {
		c := 0
		for _, d := range ds {
			if match(d) {
				c++
			}
		}
		return c
	}
	return count, need, nil
}

// procAddr writes an IPv4 ADDR:PORT the way /proc/net/ip_vs does.
func procAddr(s string) (string, error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", err
	}
	ip := net.ParseIP(h).To4()
	port, perr := strconv.Atoi(p)
	if ip == nil || perr != nil {
		return "", fmt.Errorf("bad address %q", s)
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[0], ip[1], ip[2], ip[3], port), nil
}

func readDests() ([]dest, error) {
	f, err := os.Open("/proc/net/ip_vs")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ds []dest
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 6 && fs[0] == "->" {
			w, err := strconv.Atoi(fs[3])
			if err != nil {
				continue // the column titles
			}
			ds = append(ds, dest{addr: fs[1], weight: w})
		}
	}
	return ds, sc.Err()
}
