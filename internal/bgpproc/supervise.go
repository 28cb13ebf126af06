package bgpproc

import (
	"errors"
	"fmt"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

var errStopped = errors.New("bgp speaker: stopped")

// supervise starts the program, drives it, and starts it again after a
// death, until Stop.
func (s *Speaker) supervise() {
	defer close(s.done)
	defer s.setState(Stopped, 0, time.Time{})
	backoff := minBackoff
	for first := true; ; first = false {
		select {
		case <-s.stopReq:
			return
		default:
		}
		began := time.Now()
		path, r, err := s.startRun()
		if err != nil {
			s.failed(err.Error())
		} else {
			if !first {
				s.update(func(st *Status) { st.Restarts++ })
			}
			s.o.Log(fmt.Sprintf("BGP speaker %s started (pid %d)", path, r.pid))
			how, stopped := s.drive(r)
			if stopped {
				s.o.Log(fmt.Sprintf("BGP speaker (pid %d) stopped: %s", r.pid, how))
				return
			}
			if time.Since(began) >= stableAfter {
				backoff = minBackoff
			}
			s.died(r.pid, how)
		}
		retryAt := time.Now().Add(backoff)
		s.setState(Restarting, 0, retryAt)
		s.o.Log(fmt.Sprintf("BGP speaker: starting it again in %s", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-s.stopReq:
			t.Stop()
			return
		case <-t.C:
		}
		backoff = backoffAfter(backoff)
	}
}

func (s *Speaker) startRun() (string, *run, error) {
	path := s.o.Path
	if path == "" {
		var err error
		if path, err = s.o.find(); err != nil {
			return "", nil, err
		}
	}
	var args []string
	if s.o.Debug {
		args = []string{"--debug"}
	}
	s.update(func(st *Status) { st.Program = path })
	r, err := s.o.start(path, args, s.o.Log)
	return path, r, err
}

// sent is a command in flight.
type sent struct {
	verb bgpwire.Verb
	ver  uint64
}

// drive is one run: the ready line, then what the director wants, sent
// as it changes, until the program ends (how) or Stop (stopped).
func (s *Speaker) drive(r *run) (how string, stopped bool) {
	if how, ok, stopped := s.awaitReady(r); !ok {
		return how, stopped
	}
	s.setState(Running, r.pid, time.Time{})
	var (
		seq                 uint64
		cfgSent, routesSent uint64 // versions sent in this run
		configured          bool   // a configure worked in this run
		inflight            = map[uint64]sent{}
		retry               *time.Timer
		retryC              <-chan time.Time
		retryDelay          = minBackoff
		sendErr             error
		send                = func(c *bgpwire.Command, ver uint64) {
			seq++
			c.Seq = seq
			b, err := c.Line()
			if err == nil {
				err = r.send(b)
			}
			if err != nil && sendErr == nil {
				sendErr = err
			}
			inflight[seq] = sent{verb: c.Verb, ver: ver}
		}
	)
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	for {
		if retryC == nil {
			cfg, cv, routes, rv := s.pending(cfgSent, routesSent)
			if cfg != nil {
				send(cfg, cv)
				cfgSent = cv
			}
			if routes != nil && (configured || cfgSent > 0) {
				send(routes, rv)
				routesSent = rv
			}
			if sendErr != nil {
				r.kill()
				return s.ended(r, fmt.Sprintf("its input: %v", sendErr)), false
			}
		}
		select {
		case <-s.kick:
		case <-retryC:
			retry, retryC = nil, nil
		case l, ok := <-r.lines:
			if !ok {
				return s.ended(r, ""), false
			}
			rep, err := bgpwire.ParseReply(l)
			if err != nil || rep.Kind == bgpwire.Ready {
				r.kill()
				return s.ended(r, fmt.Sprintf("a line it should not write (%v)", err)), false
			}
			if rep.Kind == bgpwire.StatusKind {
				s.report(rep.Status)
				continue
			}
			c := inflight[rep.Seq]
			delete(inflight, rep.Seq)
			if rep.Err == "" {
				if retryC == nil && len(inflight) == 0 {
					retryDelay = minBackoff
					s.update(func(st *Status) { st.LastError = "" })
				}
				if c.verb == bgpwire.Configure {
					configured = true
					s.acked(c.ver, 0)
				} else {
					s.acked(0, c.ver)
				}
				continue
			}
			// Refused: sent again after a backoff, in its latest form.
			if c.verb == bgpwire.Configure && cfgSent == c.ver {
				cfgSent = c.ver - 1
			}
			if c.verb == bgpwire.Announce && routesSent == c.ver {
				routesSent = c.ver - 1
			}
			// The first refusal of a round is the cause: an announce after
			// a refused configure fails for want of it.
			if retryC == nil {
				msg := fmt.Sprintf("BGP speaker: %s refused: %s", c.verb, rep.Err)
				s.o.Log(fmt.Sprintf("%s; trying again in %s", msg, retryDelay))
				s.update(func(st *Status) { st.LastError = msg })
				retry = time.NewTimer(retryDelay)
				retryC = retry.C
				retryDelay = backoffAfter(retryDelay)
			}
		case <-s.stopReq:
			return s.stopRun(r, seq+1), true
		}
	}
}

// awaitReady reads the first line: ready, of this protocol.
func (s *Speaker) awaitReady(r *run) (how string, ok, stopped bool) {
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case l, open := <-r.lines:
		if !open {
			return s.ended(r, ""), false, false
		}
		rep, err := bgpwire.ParseReply(l)
		if err == nil && rep.Kind == bgpwire.Ready && rep.Protocol == bgpwire.Protocol {
			return "", true, false
		}
		r.kill()
		what := fmt.Sprintf("it speaks protocol %d, not %d (another build of lvsctl?)", rep.Protocol, bgpwire.Protocol)
		if err != nil || rep.Kind != bgpwire.Ready {
			what = "its first line is not ready"
		}
		return s.ended(r, what), false, false
	case <-t.C:
		r.kill()
		return s.ended(r, fmt.Sprintf("not ready after %s", readyTimeout)), false, false
	case <-s.stopReq:
		r.kill()
		return s.ended(r, "stopped before it was ready; killed"), false, true
	}
}

// ended waits for the run's end, reading what it still writes, and says
// how it went (why, if the supervisor ended it).
func (s *Speaker) ended(r *run, why string) string {
	for l := range r.lines {
		if rep, err := bgpwire.ParseReply(l); err == nil && rep.Kind == bgpwire.StatusKind {
			s.report(rep.Status)
		}
	}
	how := <-r.exited
	if why != "" {
		how += " (" + why + ")"
	}
	return how
}

// stopRun tells the program to stop and waits for its end, within the
// stop's context and stopWait; past that it is killed.
func (s *Speaker) stopRun(r *run, seq uint64) string {
	b, err := bgpwire.Command{Verb: bgpwire.Stop, Seq: seq}.Line()
	if err == nil {
		err = r.send(b)
	}
	if err != nil {
		r.kill()
		return s.ended(r, fmt.Sprintf("its input: %v; killed", err))
	}
	t := time.NewTimer(stopWait)
	defer t.Stop()
	var ctxDone <-chan struct{}
	if s.stopCtx != nil {
		ctxDone = s.stopCtx.Done()
	}
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				return s.ended(r, "")
			}
			if rep, err := bgpwire.ParseReply(l); err == nil && rep.Kind == bgpwire.StatusKind {
				s.report(rep.Status)
			}
		case <-t.C:
			r.kill()
			return s.ended(r, fmt.Sprintf("not ended %s after stop; killed", stopWait))
		case <-ctxDone:
			r.kill()
			return s.ended(r, "the director's stop ran out of time; killed")
		}
	}
}
