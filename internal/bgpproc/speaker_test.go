package bgpproc

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

var (
	vip    = netip.MustParsePrefix("192.0.2.100/32")
	vip2   = netip.MustParsePrefix("192.0.2.101/32")
	router = netip.MustParseAddr("10.20.0.1")
	config = bgpwire.Config{LocalAS: 65010, RouterID: netip.MustParseAddr("10.20.0.11"),
		Peers: []bgpwire.Peer{{Address: router, AS: 65000, HoldTime: 3 * time.Second}}}
)

// logBook collects the supervisor's log lines.
type logBook struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBook) log(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logBook) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + "\n"
}

func startFake(t *testing.T, f *fakeProgram) (*Speaker, *logBook) {
	t.Helper()
	lb := &logBook{}
	s := Start(Options{Path: "/usr/libexec/lvsctl/lvsctl-bgp", Log: lb.log, start: f.start})
	return s, lb
}

func sync1(t *testing.T, s *Speaker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func stop(t *testing.T, s *Speaker) {
	t.Helper()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSendsWhatChanges: the configuration, then the routes, each sent
// once however often the same is given; Sync returns once the program
// holds them; Stop sends stop and the supervisor ends with the program.
func TestSendsWhatChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		s, lb := startFake(t, f)
		s.Configure(config)
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {MED: 100}})
		sync1(t, s)
		s.Configure(config.Clone())
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {MED: 100}})
		sync1(t, s)
		synctest.Wait()
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {MED: 100}, vip2: {}})
		sync1(t, s)
		st := s.Status()
		if st.State != Running || st.PID != 101 || len(st.Prefixes) != 2 || !st.Prefixes[1].Announced {
			t.Errorf("status %+v", st)
		}
		s.Announce(nil)
		sync1(t, s)
		stop(t, s)
		want := "configure as 65010 peers 1\n" +
			"announce [192.0.2.100/32/med 100]\n" +
			"announce [192.0.2.100/32/med 100 192.0.2.101/32/med 0]\n" +
			"announce []\n" +
			"stop\n"
		if got := f.log(); got != want {
			t.Errorf("commands:\n%s\nwant\n%s", got, want)
		}
		if st := s.Status(); st.State != Stopped || st.PID != 0 {
			t.Errorf("after Stop: %+v", st)
		}
		wantLog := "BGP speaker /usr/libexec/lvsctl/lvsctl-bgp started (pid 101)\n" +
			"BGP speaker (pid 101) stopped: exit status 0\n"
		if lb.String() != wantLog {
			t.Errorf("log:\n%swant\n%s", lb, wantLog)
		}
		if err := s.Sync(context.Background()); !errors.Is(err, errStopped) && err != nil {
			t.Errorf("Sync after Stop: %v", err)
		}
	})
}

// TestRestartWithBackoff: a program that dies is started again after 1 s,
// 2 s, 4 s...; each new one gets the configuration and the routes again;
// its death is logged and in the status; a run that lasted a minute
// starts the backoff again at 1 s.
func TestRestartWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.dieAfter = 2 // dies at its second command (the announce)
		s, lb := startFake(t, f)
		s.Configure(config)
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {}})
		time.Sleep(7*time.Second + time.Millisecond)
		synctest.Wait()
		if got, want := f.startGaps(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(got, want) {
			t.Errorf("gaps between starts %v, want %v", got, want)
		}
		st := s.Status()
		if st.State != Restarting || st.Restarts != 3 || st.LastExit != "exit status 1" || !st.RetryAt.Equal(time.Now().Add(8*time.Second-time.Millisecond)) {
			t.Errorf("status %+v (now %v)", st, time.Now())
		}
		if !strings.Contains(lb.String(), "BGP speaker (pid 101) ended: exit status 1\nBGP speaker: starting it again in 1s\n"+
			"BGP speaker /usr/libexec/lvsctl/lvsctl-bgp started (pid 102)\n") {
			t.Errorf("log:\n%s", lb)
		}
		// Each run was sent both again.
		if got := strings.Count(f.log(), "configure as 65010 peers 1\nannounce [192.0.2.100/32/med 0]\n"); got != 4 {
			t.Errorf("%d runs got both:\n%s", got, f.log())
		}
		// The next one lives; Sync waits for it.
		f.set(func(f *fakeProgram) { f.dieAfter = 0 })
		sync1(t, s)
		if st := s.Status(); st.State != Running || st.Restarts != 4 || st.PID != 105 {
			t.Errorf("status %+v", st)
		}
		// A run of a minute resets the backoff: the next death waits 1 s.
		time.Sleep(time.Minute)
		f.set(func(f *fakeProgram) { f.dieAfter = 1 })
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip2: {}})
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		gaps := f.startGaps()
		if last := gaps[len(gaps)-1]; last != time.Minute+time.Second {
			t.Errorf("after a stable run, the next start came %v after the last, want 1m1s", last)
		}
		stop(t, s)
	})
}

// TestRefusedRetried: a refused command is logged and sent again after
// 1 s, then 2 s; the error is in the status until it holds.
func TestRefusedRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.refuse[bgpwire.Configure] = 2
		s, lb := startFake(t, f)
		s.Configure(config)
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {}})
		synctest.Wait()
		if st := s.Status(); st.LastError != "BGP speaker: configure refused: refused by the fake" {
			t.Errorf("status %+v", st)
		}
		start := time.Now()
		sync1(t, s)
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("held after %v, want 3s (1 s, then 2 s)", d)
		}
		if st := s.Status(); st.LastError != "" {
			t.Errorf("status %+v", st)
		}
		// The announce sent with the first configure failed too ("not
		// configured" in the real program): it is sent again.
		want := "configure as 65010 peers 1\nannounce [192.0.2.100/32/med 0]\n" +
			"configure as 65010 peers 1\nannounce [192.0.2.100/32/med 0]\n" +
			"configure as 65010 peers 1\nannounce [192.0.2.100/32/med 0]\n"
		if got := f.log(); got != want {
			t.Errorf("commands:\n%s\nwant\n%s", got, want)
		}
		if !strings.Contains(lb.String(), "BGP speaker: configure refused: refused by the fake; trying again in 1s\n") ||
			!strings.Contains(lb.String(), "BGP speaker: configure refused: refused by the fake; trying again in 2s\n") {
			t.Errorf("log:\n%s", lb)
		}
		stop(t, s)
	})
}

// TestStopKillsStuckProgram: a program that does not end after stop is
// killed after stopWait; Stop returns when it is gone.
func TestStopKillsStuckProgram(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.ignoreEnd = true
		s, lb := startFake(t, f)
		s.Configure(config)
		sync1(t, s)
		start := time.Now()
		stop(t, s)
		if d := time.Since(start); d != stopWait {
			t.Errorf("Stop took %v, want %v", d, stopWait)
		}
		if !strings.Contains(lb.String(), "BGP speaker (pid 101) stopped: signal: killed (not ended 10s after stop; killed)\n") {
			t.Errorf("log:\n%s", lb)
		}
	})
}

// TestStopDeadline: Stop's context bounds the wait too.
func TestStopDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.ignoreEnd = true
		s, _ := startFake(t, f)
		s.Configure(config)
		sync1(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		s.Stop(ctx)
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("Stop took %v, want 2s", d)
		}
	})
}

// TestStopWhileRestarting: Stop during the backoff ends at once.
func TestStopWhileRestarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.startErr = errors.New("lvsctl-bgp not found")
		s, lb := startFake(t, f)
		synctest.Wait()
		if st := s.Status(); st.State != Restarting || st.LastError != "lvsctl-bgp not found" {
			t.Errorf("status %+v", st)
		}
		start := time.Now()
		stop(t, s)
		if time.Since(start) != 0 {
			t.Errorf("Stop waited %v", time.Since(start))
		}
		if lb.String() != "BGP speaker: lvsctl-bgp not found\nBGP speaker: starting it again in 1s\n" {
			t.Errorf("log:\n%s", lb)
		}
	})
}

// TestProtocolMismatch: a program of another protocol is killed and not
// driven.
func TestProtocolMismatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.protocol = 2
		s, lb := startFake(t, f)
		s.Configure(config)
		synctest.Wait()
		if f.log() != "" {
			t.Errorf("commands sent: %s", f.log())
		}
		if !strings.Contains(lb.String(), "BGP speaker (pid 101) ended: signal: killed (it speaks protocol 2, not 1 (another build of lvsctl?))\n") {
			t.Errorf("log:\n%s", lb)
		}
		stop(t, s)
	})
}

// TestSessionsAndFlaps: sessions coming up and going down are logged; a
// run's end takes its established sessions down and counts a flap, and
// the flaps of earlier runs carry over.
func TestSessionsAndFlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.peers = []bgpwire.PeerStatus{{Address: router, AS: 65000, State: bgpwire.Established, Flaps: 1}}
		s, lb := startFake(t, f)
		s.Configure(config)
		s.Announce(map[netip.Prefix]bgpwire.Attrs{vip: {}})
		sync1(t, s)
		if st := s.Status(); st.Peers[0].Flaps != 1 || st.Peers[0].State != bgpwire.Established {
			t.Fatalf("status %+v", st)
		}
		f.set(func(f *fakeProgram) {
			f.dieAfter = 1
			f.peers = []bgpwire.PeerStatus{{Address: router, AS: 65000, State: bgpwire.Active}}
		})
		s.Announce(nil)
		synctest.Wait()
		st := s.Status()
		if st.Peers[0].Flaps != 2 || st.Peers[0].State != bgpwire.Idle || st.Prefixes[0].Announced || st.Running {
			t.Errorf("after the death: %+v", st)
		}
		f.set(func(f *fakeProgram) {
			f.dieAfter = 0
			f.peers = []bgpwire.PeerStatus{{Address: router, AS: 65000, State: bgpwire.Established}}
		})
		sync1(t, s)
		if st := s.Status(); st.Peers[0].Flaps != 2 || st.Peers[0].State != bgpwire.Established {
			t.Errorf("after the restart: %+v", st)
		}
		want := "BGP session with 10.20.0.1 (AS 65000) established\n"
		if !strings.Contains(lb.String(), "BGP speaker /usr/libexec/lvsctl/lvsctl-bgp started (pid 101)\n"+want) ||
			!strings.Contains(lb.String(), "BGP session with 10.20.0.1 (AS 65000) down: the speaker ended\n") ||
			!strings.Contains(lb.String(), "(pid 102)\n"+want) {
			t.Errorf("log:\n%s", lb)
		}
		stop(t, s)
	})
}
