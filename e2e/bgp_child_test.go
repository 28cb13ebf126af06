//go:build e2e

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The BGP lab's servers and clients are this test binary run again in a
// namespace (TestBGPChild), so that a test controls source ports, long
// downloads and request loops exactly.

const childEnv = "LVSCTL_E2E_BGPCHILD"

// TestBGPChild is not a test: it is the BGP lab's helper process, its role
// in LVSCTL_E2E_BGPCHILD:
//
//	serve NAME                on :8080, "name" → NAME; "stream N" → N lines "NAME i", one every 100 ms
//	probe ADDR LOCALPORT      "name" from LOCALPORT; prints the answer
//	streams ADDR COUNT LINES  COUNT downloads at once; prints "port real lines ok|error" each
//	loop ADDR                 "name" requests one after the other until stdin ends; prints "requests failures"
//	requests ADDR N           N "name" requests one after the other; prints each answer or error
func TestBGPChild(t *testing.T) {
	role := strings.Fields(os.Getenv(childEnv))
	if len(role) == 0 {
		t.Skip("the BGP lab's helper process")
	}
	var err error
	switch role[0] {
	case "serve":
		err = childServe(role[1])
	case "probe":
		err = childProbe(role[1], role[2])
	case "streams":
		err = childStreams(role[1], role[2], role[3])
	case "loop":
		err = childLoop(role[1])
	case "requests":
		err = childRequests(role[1], role[2])
	default:
		err = fmt.Errorf("unknown role %q", role[0])
	}
	if err != nil {
		t.Fatal(err)
	}
}

func childServe(name string) error {
	ln, err := net.Listen("tcp", ":8080")
	if err != nil {
		return err
	}
	fmt.Println("STARTED")
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 1 && f[0] == "name":
				fmt.Fprintf(c, "%s\n", name)
			case len(f) == 2 && f[0] == "stream":
				n, _ := strconv.Atoi(f[1])
				for i := 1; i <= n; i++ {
					_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
					if _, err := fmt.Fprintf(c, "%s %d\n", name, i); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
}

func childProbe(addr, port string) error {
	p, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{Port: p},
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1) })
			return errors.Join(err, serr)
		}}
	ans, err := request(d, addr)
	if err != nil {
		return err
	}
	fmt.Println(ans)
	return nil
}

// request asks addr for its name: the server answers and closes first
// (the client keeps no TIME_WAIT, so a probe can reuse its port).
func request(d net.Dialer, addr string) (string, error) {
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "name\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func childStreams(addr, count, lines string) error {
	n, _ := strconv.Atoi(count)
	want, _ := strconv.Atoi(lines)
	var started, done sync.WaitGroup
	reports := make([]string, n)
	for i := range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			first := true
			start := func() {
				if first {
					first = false
					started.Done()
				}
			}
			defer start()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				reports[i] = fmt.Sprintf("- - 0 %v", err)
				return
			}
			defer c.Close()
			port := c.LocalAddr().(*net.TCPAddr).Port
			_ = c.SetDeadline(time.Now().Add(time.Duration(want)*100*time.Millisecond + 60*time.Second))
			fmt.Fprintf(c, "stream %d\n", want)
			r := bufio.NewScanner(c)
			real, got, status := "-", 0, "ok"
			for r.Scan() {
				f := strings.Fields(r.Text())
				if len(f) != 2 || f[1] != strconv.Itoa(got+1) || (real != "-" && f[0] != real) {
					status = "bad-line:" + r.Text()
					break
				}
				real = f[0]
				got++
				start()
			}
			if err := r.Err(); err != nil {
				status = strings.ReplaceAll(err.Error(), " ", "_")
			}
			reports[i] = fmt.Sprintf("%d %s %d %s", port, real, got, status)
		}()
	}
	started.Wait()
	fmt.Println("STARTED")
	done.Wait()
	for _, r := range reports {
		fmt.Println(r)
	}
	return nil
}

func childRequests(addr, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	for range n {
		ans, err := request(d, addr)
		if err != nil {
			ans = "error:" + strings.ReplaceAll(err.Error(), " ", "_")
		}
		fmt.Println(ans)
	}
	return nil
}

func childLoop(addr string) error {
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	requests, failures := 0, 0
	d := net.Dialer{Timeout: 3 * time.Second}
	for {
		select {
		case <-stop:
			fmt.Printf("%d %d\n", requests, failures)
			return nil
		default:
		}
		ans, err := request(d, addr)
		requests++
		if err != nil || !strings.HasPrefix(ans, "rs") {
			failures++
			fmt.Fprintf(os.Stderr, "request %d at %s: %q %v\n", requests, time.Now().Format(time.StampMilli), ans, err)
		}
		if requests == 1 {
			fmt.Println("STARTED")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// child is the parent's handle on a helper process.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr strings.Builder
	role   string
}

func startChild(t *testing.T, ns string, role ...string) *child {
	t.Helper()
	c := &child{lines: make(chan string, 1024), role: strings.Join(role, " ")}
	c.cmd = exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestBGPChild$")
	c.cmd.Env = append(os.Environ(), childEnv+"="+c.role)
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	return c
}

// waitLine waits for the line want on the child's stdout.
func (c *child) waitLine(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(bgpWait)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("%s ended before %q: %s", c.role, want, c.stderr.String())
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Fatalf("%s: no %q: %s", c.role, want, c.stderr.String())
		}
	}
}

// wait returns the rest of the child's stdout once it ends.
func (c *child) wait(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	timeout := time.After(3 * bgpWait)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				if err := c.cmd.Wait(); err != nil {
					t.Errorf("%s: %v\n%s", c.role, err, c.stderr.String())
				} else if c.stderr.Len() > 0 && !strings.Contains(c.stderr.String(), "PASS") {
					t.Logf("%s stderr:\n%s", c.role, c.stderr.String())
				}
				return b.String()
			}
			if l != "PASS" { // the test binary's own last line
				b.WriteString(l + "\n")
			}
		case <-timeout:
			t.Fatalf("%s did not end: %s", c.role, c.stderr.String())
		}
	}
}

// childOut runs a helper to its end and returns its output.
func childOut(t *testing.T, ns string, role ...string) string {
	t.Helper()
	c := startChild(t, ns, role...)
	c.stdin.Close()
	return c.wait(t)
}
