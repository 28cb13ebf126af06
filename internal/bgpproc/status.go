package bgpproc

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// State is the program's life cycle as the supervisor sees it.
type State string

// States.
const (
	Starting   State = "starting"   // started, not ready yet
	Running    State = "running"    // ready and driven
	Restarting State = "restarting" // ended or not started; started again at RetryAt
	Stopped    State = "stopped"    // Stop is done
)

// Status is the speaker program's status: what it last reported (its
// sessions shown idle while no program runs) and its life.
type Status struct {
	bgpwire.Status
	State State
	// Program is the program's path ("" until found).
	Program string
	PID     int // 0 while none runs
	// Restarts counts the starts after the first.
	Restarts int
	// LastExit is how the last run ended ("signal: killed"), "" if none
	// did.
	LastExit string
	// LastError is the last failure: a start, a refused command; "" once
	// the program holds what was asked.
	LastError string
	// RetryAt is the next start while Restarting.
	RetryAt time.Time
}

// Status returns a copy of the status. A peer's Flaps count its session's
// drops over every run of the program, a run's end included.
func (s *Speaker) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Status = s.status.Status.Clone()
	return st
}

func (s *Speaker) update(f func(*Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.status)
}

func (s *Speaker) setState(state State, pid int, retryAt time.Time) {
	s.update(func(st *Status) { st.State, st.PID, st.RetryAt = state, pid, retryAt })
}

// failed records a failed start.
func (s *Speaker) failed(msg string) {
	s.o.Log("BGP speaker: " + msg)
	s.update(func(st *Status) { st.LastError = msg })
}

// died records a run's end: its sessions are down, each that was up
// counting as a flap, and what the program held is gone.
func (s *Speaker) died(pid int, how string) {
	s.o.Log(fmt.Sprintf("BGP speaker (pid %d) ended: %s", pid, how))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastExit = how
	s.status.Running = false
	for i := range s.status.Peers {
		p := &s.status.Peers[i]
		if p.State == bgpwire.Established {
			p.Flaps++
			s.o.Log(fmt.Sprintf("BGP session with %s (AS %d) down: the speaker ended", p.Address, p.AS))
		}
		s.flapBase[p.Address] = p.Flaps
		if p.State != bgpwire.Idle {
			p.State, p.Since = bgpwire.Idle, now
		}
	}
	for i := range s.status.Prefixes {
		pr := &s.status.Prefixes[i]
		if pr.Announced {
			pr.Announced, pr.Since = false, now
		}
	}
	s.cfgAcked, s.routesAcked = 0, 0
}

// report takes a status line of the program: flaps carried over the
// runs, and a log line for each session that comes up or goes down.
func (s *Speaker) report(st bgpwire.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := map[netip.Addr]bgpwire.SessionState{}
	for _, p := range s.status.Peers {
		was[p.Address] = p.State
	}
	for i := range st.Peers {
		p := &st.Peers[i]
		p.Flaps += s.flapBase[p.Address]
		switch old := was[p.Address]; {
		case p.State == bgpwire.Established && old != bgpwire.Established:
			s.o.Log(fmt.Sprintf("BGP session with %s (AS %d) established", p.Address, p.AS))
		case p.State != bgpwire.Established && old == bgpwire.Established:
			s.o.Log(fmt.Sprintf("BGP session with %s (AS %d) down (now %s)", p.Address, p.AS, p.State))
		}
	}
	s.status.Status = st
}
