//go:build e2e

package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runLdirectords runs `ldirectord -d CF start` for every config at once
// on an empty table (their virtuals must differ) until each is through
// its first check round: every process asleep, every sentinel virtual's
// real in the table (each config ends with its sentinel, checktype=on,
// and fork=no checks in order) and the table unchanged over two polls.
// It returns that table and the ldirectords' output, each line prefixed
// by its config's index.
func runLdirectords(t *testing.T, cfs, sentinels []string, timeout time.Duration, env ...string) (table, log string) {
	t.Helper()
	ipvsadmClear(t)
	defer ipvsadmClear(t)
	type instance struct {
		pgid   int
		out    *stampedBuffer
		exited chan error
	}
	var ins []*instance
	defer func() {
		// The table is taken; how ldirectord stops is not under test.
		for _, in := range ins {
			syscall.Kill(-in.pgid, syscall.SIGKILL)
		}
		for i, in := range ins {
			select {
			case <-in.exited:
			case <-time.After(10 * time.Second):
				t.Errorf("ldirectord %d did not die", i)
			}
		}
	}()
	for _, cf := range cfs {
		cmd := exec.Command(ldirectordBin, "-d", cf, "start")
		cmd.Env = ldirectordEnv(env...)
		cmd.Dir = t.TempDir()
		in := &instance{out: &stampedBuffer{start: time.Now()}, exited: make(chan error, 1)}
		cmd.Stdout, cmd.Stderr = in.out, in.out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		in.pgid = cmd.Process.Pid
		go func() { in.exited <- cmd.Wait() }()
		ins = append(ins, in)
	}
	logs := func() string {
		var b strings.Builder
		for i, in := range ins {
			for _, l := range strings.Split(strings.TrimRight(in.out.String(), "\n"), "\n") {
				fmt.Fprintf(&b, "[%d] %s\n", i, l)
			}
		}
		return b.String()
	}
	deadline := time.Now().Add(timeout)
	prev := ""
	// Polls read /proc; the table (ipvsadm, twice) only once all sleep:
	// processes compete with the ldirectords for the guest's CPU.
	for stable := 0; stable < 2; {
		time.Sleep(time.Second)
		var waiting []string
		for i, in := range ins {
			select {
			case err := <-in.exited:
				in.exited <- err
				t.Fatalf("ldirectord %d (%s) exited (%v) before its first check round:\n%s", i, cfs[i], err, tail(in.out.String(), 30))
			default:
			}
			if !groupAsleep(in.pgid) {
				waiting = append(waiting, fmt.Sprintf("%d busy", i))
			}
		}
		cur := ""
		if len(waiting) == 0 {
			cur = kernelTable(t)
			up := ldirectordVerdicts(cur)
			for i, s := range sentinels {
				if !up["-t "+s] {
					waiting = append(waiting, fmt.Sprintf("%d before its sentinel", i))
				}
			}
		}
		if time.Now().After(deadline) {
			var sig strings.Builder
			for _, in := range ins {
				sig.WriteString(groupSignals(in.pgid))
			}
			t.Fatalf("ldirectords not through their round within %v (%s):\n%s\n%s", timeout, strings.Join(waiting, ", "), tail(logs(), 60), sig.String())
		}
		switch {
		case len(waiting) > 0:
			stable = 0
		case cur == prev:
			stable++
		default:
			stable, prev = 1, cur
		}
	}
	return prev, logs()
}

// stampedBuffer collects output, each line prefixed by the seconds since
// start (where the time goes, in a failing or slow run's log).
type stampedBuffer struct {
	start time.Time
	mu    sync.Mutex
	b     strings.Builder
	mid   bool // in the middle of a line
}

func (s *stampedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l == "" {
			continue
		}
		if !s.mid {
			fmt.Fprintf(&s.b, "%6.1fs ", time.Since(s.start).Seconds())
		}
		s.b.WriteString(l)
		s.mid = !strings.HasSuffix(l, "\n")
	}
	return len(p), nil
}

func (s *stampedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ldCheckTimes reads runLdirectords' log: for each virtual id (as
// ldirectord's "Checking ...: real server=R (virtual=ID)" lines name
// it), how long from that line to the instance's next line of the kind
// (or its last line): where an instance's round went. summary says, per
// instance, when its first check began and its last line came.
func ldCheckTimes(log string) (times map[string]time.Duration, summary string) {
	type open struct {
		id    string
		start float64
	}
	cur := map[int]*open{}
	first := map[int]float64{}
	last := map[int]float64{}
	times = map[string]time.Duration{}
	end := func(k int, at float64) {
		if o := cur[k]; o != nil {
			times[o.id] = time.Duration((at - o.start) * float64(time.Second))
		}
	}
	for _, l := range strings.Split(log, "\n") {
		var k int
		var at float64
		if n, _ := fmt.Sscanf(l, "[%d] %fs ", &k, &at); n != 2 {
			continue
		}
		last[k] = at
		_, rest, ok := strings.Cut(l, "DEBUG2: Checking ")
		if !ok {
			continue
		}
		_, id, ok := strings.Cut(rest, "(virtual=")
		if !ok {
			continue
		}
		if _, seen := first[k]; !seen {
			first[k] = at
		}
		end(k, at)
		cur[k] = &open{strings.TrimSuffix(id, ")"), at}
	}
	var b strings.Builder
	for k := 0; k < len(last); k++ {
		end(k, last[k])
		fmt.Fprintf(&b, "[%d] first check %.0fs, last line %.0fs; ", k, first[k], last[k])
	}
	return times, b.String()
}
