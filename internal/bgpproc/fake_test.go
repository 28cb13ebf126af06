package bgpproc

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// fakeProgram is the speaker program in the test's process: it speaks the
// protocol over pipes, records the commands it reads and answers as its
// knobs say. Its goroutines block only on channels, so a test runs it in
// a testing/synctest bubble with time faked.
type fakeProgram struct {
	mu sync.Mutex
	// starts are the times each run started.
	starts []time.Time
	// commands are every command read, of every run.
	commands []bgpwire.Command
	// runs are the live runs' controls, by pid.
	runs map[int]*fakeRun
	next int
	// Knobs, read when a command arrives or a run starts.
	refuse    map[bgpwire.Verb]int // refuse the next N of a verb
	dieAfter  int                  // > 0: a run ends, exit status 1, after this many commands
	protocol  int                  // the ready line's; 0: bgpwire.Protocol
	ignoreEnd bool                 // a run ignores stop and the end of its input
	startErr  error                // the start fails
	peers     []bgpwire.PeerStatus // reported in every status line
}

type fakeRun struct {
	pid  int
	out  *io.PipeWriter
	kill chan struct{}
	once sync.Once
}

func newFake() *fakeProgram {
	return &fakeProgram{runs: map[int]*fakeRun{}, refuse: map[bgpwire.Verb]int{}, next: 100}
}

// start is the fake's startFunc.
func (f *fakeProgram) start(path string, args []string, logf func(string)) (*run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.next++
	fr := &fakeRun{pid: f.next, kill: make(chan struct{})}
	f.runs[fr.pid] = fr
	f.starts = append(f.starts, time.Now())
	// The input is buffered as a pipe's is: a command is written without
	// waiting for the program to read it.
	in := make(chan []byte, 64)
	outR, outW := io.Pipe()
	fr.out = outW
	lines := make(chan []byte, 16)
	exited := make(chan string, 1)
	how := make(chan string, 1)
	go func() { how <- f.serve(fr, in) }()
	go func() {
		defer close(lines)
		s := bgpwire.NewScanner(outR)
		for s.Scan() {
			lines <- append([]byte(nil), s.Bytes()...)
		}
	}()
	go func() {
		var h string
		select {
		case h = <-how:
		case <-fr.kill:
			h = "signal: killed"
			outR.CloseWithError(io.ErrClosedPipe)
			<-how
		}
		outW.Close()
		f.mu.Lock()
		delete(f.runs, fr.pid)
		f.mu.Unlock()
		exited <- h
	}()
	return &run{pid: fr.pid, lines: lines, exited: exited,
		send: func(b []byte) error {
			select {
			case in <- b:
				return nil
			case <-fr.kill:
				return io.ErrClosedPipe
			}
		},
		kill: func() { fr.once.Do(func() { close(fr.kill) }) },
	}, nil
}

// serve is one run's program: ready, then a done (and a status) per
// command. It returns how the run ends.
func (f *fakeProgram) serve(fr *fakeRun, in <-chan []byte) string {
	f.mu.Lock()
	protocol := cmp(f.protocol, bgpwire.Protocol)
	f.mu.Unlock()
	if !f.write(fr, bgpwire.Reply{Kind: bgpwire.Ready, Protocol: protocol}) {
		return "exit status 1"
	}
	held := map[netip.Prefix]bgpwire.Attrs{}
	configured := false
	n := 0
	for {
		var line []byte
		select {
		case line = <-in:
		case <-fr.kill:
			return "signal: killed"
		}
		c, err := bgpwire.ParseCommand(line[:len(line)-1])
		if err != nil {
			return "exit status 1"
		}
		f.mu.Lock()
		f.commands = append(f.commands, c)
		n++
		refused := f.refuse[c.Verb] > 0
		if refused {
			f.refuse[c.Verb]--
		}
		die := f.dieAfter > 0 && n >= f.dieAfter
		ignore := f.ignoreEnd
		peers := slices.Clone(f.peers)
		f.mu.Unlock()
		if c.Verb == bgpwire.Stop {
			if ignore {
				continue
			}
			f.write(fr, bgpwire.Reply{Kind: bgpwire.Done, Seq: c.Seq})
			return "exit status 0"
		}
		if die {
			return "exit status 1"
		}
		r := bgpwire.Reply{Kind: bgpwire.Done, Seq: c.Seq}
		switch {
		case refused:
			r.Err = "refused by the fake"
		case c.Verb == bgpwire.Configure:
			configured = true
		case !configured:
			r.Err = "bgp: announce: not configured"
		default:
			held = c.Routes
		}
		st := bgpwire.Status{Running: true, Peers: peers}
		for p, a := range held {
			st.Prefixes = append(st.Prefixes, bgpwire.PrefixStatus{Prefix: p, Announced: true, Attrs: a})
		}
		slices.SortFunc(st.Prefixes, func(x, y bgpwire.PrefixStatus) int { return bgpwire.ComparePrefix(x.Prefix, y.Prefix) })
		f.write(fr, bgpwire.Reply{Kind: bgpwire.StatusKind, Status: st})
		f.write(fr, r)
	}
}

func (f *fakeProgram) write(fr *fakeRun, r bgpwire.Reply) bool {
	b, err := r.Line()
	if err != nil {
		panic(err)
	}
	_, err = fr.out.Write(b)
	return err == nil
}

// log is what the commands were, one line each: verb and what it
// carried.
func (f *fakeProgram) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.commands {
		fmt.Fprintf(&b, "%s", c.Verb)
		switch c.Verb {
		case bgpwire.Configure:
			fmt.Fprintf(&b, " as %d peers %d", c.Config.LocalAS, len(c.Config.Peers))
		case bgpwire.Announce:
			var ps []string
			for p, a := range c.Routes {
				ps = append(ps, fmt.Sprintf("%s/med %d", p, a.MED))
			}
			slices.Sort(ps)
			fmt.Fprintf(&b, " %v", ps)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (f *fakeProgram) set(fn func(f *fakeProgram)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// startGaps are the times between the starts.
func (f *fakeProgram) startGaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(f.starts); i++ {
		gaps = append(gaps, f.starts[i].Sub(f.starts[i-1]))
	}
	return gaps
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
