package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// serveHTTP answers every HTTP request with "200 OK" and the body "ok",
// then closes: the real servers of the overload benchmark, which checks
// them with checktype=negotiate, service=http. One process for all of
// them, a goroutine per connection (the runtime's poller: no thread or
// process per check).
func serveHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		go answer(c)
	}
}

const okResponse = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"

func answer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReaderSize(c, 1024)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(line) <= 2 { // the blank line that ends the request's head
			break
		}
	}
	_, _ = c.Write([]byte(okResponse))
}

// watch polls the table for a while and prints three figures: how many
// times a destination went from a weight above 0 to 0 (a drop), the
// fewest destinations above 0 at one poll, and how many destinations
// dropped at least once ("DROPS MIN_UP REALS"). With -on-drop, the first
// polls that see drops (maxDropReports) write them and what the shell
// command printed to stderr (the director's status at that moment says
// why).
func watch(args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	seconds := fs.Float64("seconds", 60, "how long to watch")
	every := fs.Duration("every", 50*time.Millisecond, "poll interval")
	onDrop := fs.String("on-drop", "", "shell command run when a poll sees drops")
	if err := fs.Parse(args); err != nil {
		return err
	}
	end := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	up := map[string]bool{}
	dropped := map[string]bool{}
	drops, minUp, reports := 0, -1, 0
	for first := true; ; first = false {
		dests, err := readDests()
		if err != nil {
			return err
		}
		n := 0
		var these []string
		for _, d := range dests {
			now := d.weight > 0
			if now {
				n++
			} else if up[d.addr] && !first {
				drops++
				dropped[d.addr] = true
				these = append(these, d.addr)
			}
			up[d.addr] = now
		}
		// the command costs the guest's CPU: the first few drops only
		if len(these) > 0 && *onDrop != "" && reports < maxDropReports {
			reports++
			reportDrops(these, *onDrop)
		}
		if minUp < 0 || n < minUp {
			minUp = n
		}
		if !time.Now().Before(end) {
			break
		}
		time.Sleep(*every)
	}
	fmt.Printf("%d %d %d\n", drops, minUp, len(dropped))
	return nil
}

// maxDropReports is how many polls with drops run -on-drop's command.
const maxDropReports = 3

// reportDrops writes the reals that dropped at one poll and the output of
// cmd to stderr; cmd gets 10 s.
func reportDrops(addrs []string, cmd string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput()
	fmt.Fprintf(os.Stderr, "%s dropped: %s\n%s", time.Now().Format("15:04:05.000"), strings.Join(addrs, " "), out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "on-drop: %v\n", err)
	}
}
