// Package ipvstest provides Fake, an in-memory ipvsctl.Client that fails
// the way the kernel does, so daemon and CLI tests can assert on the
// table without root or IPVS.
package ipvstest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

var _ ipvsctl.Client = (*Fake)(nil)

// Fake is a stateful IPVS table. The zero value is empty and ready; it is
// safe for concurrent use. Every write is recorded (Calls) so tests can
// assert that a caller changes only what it must.
type Fake struct {
	mu       sync.Mutex
	services map[ipvsctl.ServiceKey]*fakeService
	timeouts ipvsctl.Timeouts
	daemons  []ipvsctl.Daemon
	calls    []string
	failures map[string][]error
}

type fakeService struct {
	svc   ipvsctl.Service
	dests map[ipvsctl.DestinationKey]ipvsctl.Destination
}

// NewFake returns an empty table with the kernel's default timeouts.
func NewFake() *Fake {
	return &Fake{timeouts: ipvsctl.Timeouts{TCP: 900, TCPFin: 120, UDP: 300}}
}

func (f *Fake) init() {
	if f.services == nil {
		f.services = map[ipvsctl.ServiceKey]*fakeService{}
	}
}

// FailNext makes the next call of method (e.g. "AddDestination") return
// err instead of acting; calls queue up in order.
func (f *Fake) FailNext(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures == nil {
		f.failures = map[string][]error{}
	}
	f.failures[method] = append(f.failures[method], err)
}

func (f *Fake) injected(method string) error {
	q := f.failures[method]
	if len(q) == 0 {
		return nil
	}
	f.failures[method] = q[1:]
	return q[0]
}

// Calls returns the writes made so far, in ipvsadm's words
// ("-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w 1"), failed ones included.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// ResetCalls forgets the recorded writes.
func (f *Fake) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func (f *Fake) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func kerr(op ipvsctl.Op, errno syscall.Errno) error {
	return &ipvsctl.KernelError{Op: op, Errno: errno}
}

// Info implements ipvsctl.Client.
func (f *Fake) Info() (ipvsctl.Info, error) {
	return ipvsctl.Info{Version: 0x010201, ConnTabSize: 4096}, nil
}

// Services implements ipvsctl.Client: copies, in ipvsadm's order.
func (f *Fake) Services() ([]ipvsctl.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("Services"); err != nil {
		return nil, err
	}
	out := make([]ipvsctl.Service, 0, len(f.services))
	for _, s := range f.services {
		c := s.svc
		c.NumDests = uint32(len(s.dests))
		out = append(out, c)
	}
	// ipvsadm's comparison is not transitive, so the order it sorts
	// into depends on the order it is given: a fixed one, not the map's.
	slices.SortFunc(out, func(a, b ipvsctl.Service) int { return cmpKeys(a.Key(), b.Key()) })
	ipvsctl.SortServices(out)
	return out, nil
}

// GetService implements ipvsctl.Client.
func (f *Fake) GetService(k ipvsctl.ServiceKey) (ipvsctl.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.services[k]
	if !ok {
		return ipvsctl.Service{}, kerr(ipvsctl.OpGetService, syscall.ESRCH)
	}
	c := s.svc
	c.NumDests = uint32(len(s.dests))
	return c, nil
}

// Destinations implements ipvsctl.Client: copies, in ipvsadm's order.
func (f *Fake) Destinations(svc *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("Destinations"); err != nil {
		return nil, err
	}
	s, ok := f.services[svc.Key()]
	if !ok {
		return nil, kerr(ipvsctl.OpGetDests, syscall.ESRCH)
	}
	out := make([]ipvsctl.Destination, 0, len(s.dests))
	for _, d := range s.dests {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b ipvsctl.Destination) int {
		return cmp.Or(a.Address.Compare(b.Address), cmp.Compare(a.Port, b.Port))
	})
	ipvsctl.SortDestinations(out)
	return out, nil
}

// cmpKeys is a total order of service keys.
func cmpKeys(a, b ipvsctl.ServiceKey) int {
	return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.FWMark, b.FWMark), cmp.Compare(a.Protocol, b.Protocol),
		a.Address.Compare(b.Address), cmp.Compare(a.Port, b.Port))
}

func (f *Fake) write(method, desc string, do func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.init()
	f.record("%s", desc)
	if err := f.injected(method); err != nil {
		return err
	}
	if err := do(); err != nil {
		return err
	}
	return nil
}

func serviceArgs(s *ipvsctl.Service) string {
	var b strings.Builder
	b.WriteString(s.Key().String())
	if s.Scheduler != "" {
		b.WriteString(" -s " + s.Scheduler)
	}
	if s.Flags&ipvsctl.SvcFlagPersistent != 0 {
		fmt.Fprintf(&b, " -p %d", s.Timeout)
		if s.Netmask != ipvsctl.HostNetmask(s.Family) {
			if s.Family == ipvsctl.AFInet6 {
				fmt.Fprintf(&b, " -M %d", s.Netmask)
			} else {
				fmt.Fprintf(&b, " -M %d.%d.%d.%d", s.Netmask>>24, s.Netmask>>16&0xff, s.Netmask>>8&0xff, s.Netmask&0xff)
			}
		}
	}
	return b.String()
}

func destArgs(s *ipvsctl.Service, d *ipvsctl.Destination) string {
	return fmt.Sprintf("%s %s", s.Key(), d)
}

func destFull(s *ipvsctl.Service, d *ipvsctl.Destination) string {
	fwd := map[uint32]string{ipvsctl.FwdMasq: "-m", ipvsctl.FwdRoute: "-g", ipvsctl.FwdTunnel: "-i", ipvsctl.FwdLocal: "-g"}[d.FwdMethod&ipvsctl.FwdMask]
	out := fmt.Sprintf("%s %s %s -w %d", s.Key(), d, fwd, d.Weight)
	if d.UpperThreshold != 0 || d.LowerThreshold != 0 {
		out += fmt.Sprintf(" -x %d -y %d", d.UpperThreshold, d.LowerThreshold)
	}
	return out
}

// checkService applies the kernel's sanity checks on a service's
// configuration: an IPv6 persistence prefix is 1 to 128 bits.
func checkService(op ipvsctl.Op, s *ipvsctl.Service) error {
	if s.Family == ipvsctl.AFInet6 && (s.Netmask < 1 || s.Netmask > 128) {
		return kerr(op, syscall.EINVAL)
	}
	return nil
}

// AddService implements ipvsctl.Client (EEXIST if present, EINVAL for a
// bad IPv6 prefix).
func (f *Fake) AddService(s *ipvsctl.Service) error {
	return f.write("AddService", "-A "+serviceArgs(s), func() error {
		if _, ok := f.services[s.Key()]; ok {
			return kerr(ipvsctl.OpAddService, syscall.EEXIST)
		}
		if err := checkService(ipvsctl.OpAddService, s); err != nil {
			return err
		}
		c := *s
		c.Flags &^= ipvsctl.SvcFlagHashed
		c.Stats, c.NumDests = ipvsctl.Stats{}, 0
		f.services[s.Key()] = &fakeService{svc: c, dests: map[ipvsctl.DestinationKey]ipvsctl.Destination{}}
		return nil
	})
}

// UpdateService implements ipvsctl.Client (ESRCH if missing, EINVAL for
// a bad IPv6 prefix).
func (f *Fake) UpdateService(s *ipvsctl.Service) error {
	return f.write("UpdateService", "-E "+serviceArgs(s), func() error {
		cur, ok := f.services[s.Key()]
		if !ok {
			return kerr(ipvsctl.OpUpdateService, syscall.ESRCH)
		}
		if err := checkService(ipvsctl.OpUpdateService, s); err != nil {
			return err
		}
		c := *s
		c.Flags &^= ipvsctl.SvcFlagHashed
		c.Stats, c.NumDests = cur.svc.Stats, 0
		cur.svc = c
		return nil
	})
}

// DeleteService implements ipvsctl.Client (ESRCH if missing).
func (f *Fake) DeleteService(s *ipvsctl.Service) error {
	return f.write("DeleteService", "-D "+s.Key().String(), func() error {
		if _, ok := f.services[s.Key()]; !ok {
			return kerr(ipvsctl.OpDeleteService, syscall.ESRCH)
		}
		delete(f.services, s.Key())
		return nil
	})
}

// Flush implements ipvsctl.Client.
func (f *Fake) Flush() error {
	return f.write("Flush", "-C", func() error {
		f.services = map[ipvsctl.ServiceKey]*fakeService{}
		return nil
	})
}

// ZeroService implements ipvsctl.Client; the fake keeps no counters.
func (f *Fake) ZeroService(s *ipvsctl.Service) error {
	desc := "-Z"
	if s != nil {
		desc += " " + s.Key().String()
	}
	return f.write("ZeroService", desc, func() error {
		if s != nil {
			if _, ok := f.services[s.Key()]; !ok {
				return kerr(ipvsctl.OpZero, syscall.ESRCH)
			}
		}
		return nil
	})
}

// checkDest applies the kernel's sanity checks on a destination: a lower
// threshold above the upper one (0 included) is out of range.
func checkDest(op ipvsctl.Op, d *ipvsctl.Destination) error {
	if d.Weight < 0 || d.LowerThreshold > d.UpperThreshold {
		return kerr(op, syscall.ERANGE)
	}
	return nil
}

// AddDestination implements ipvsctl.Client (ESRCH without the service,
// EEXIST if present).
func (f *Fake) AddDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return f.write("AddDestination", "-a "+destFull(s, d), func() error {
		svc, ok := f.services[s.Key()]
		if !ok {
			return kerr(ipvsctl.OpAddDest, syscall.ESRCH)
		}
		if _, ok := svc.dests[d.Key()]; ok {
			return kerr(ipvsctl.OpAddDest, syscall.EEXIST)
		}
		if err := checkDest(ipvsctl.OpAddDest, d); err != nil {
			return err
		}
		c := *d
		c.ActiveConns, c.InactConns, c.PersistConns, c.Stats = 0, 0, 0, ipvsctl.Stats{}
		svc.dests[d.Key()] = c
		return nil
	})
}

// UpdateDestination implements ipvsctl.Client (ESRCH without the
// service, ENOENT without the destination).
func (f *Fake) UpdateDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return f.write("UpdateDestination", "-e "+destFull(s, d), func() error {
		svc, ok := f.services[s.Key()]
		if !ok {
			return kerr(ipvsctl.OpUpdateDest, syscall.ESRCH)
		}
		cur, ok := svc.dests[d.Key()]
		if !ok {
			return kerr(ipvsctl.OpUpdateDest, syscall.ENOENT)
		}
		if err := checkDest(ipvsctl.OpUpdateDest, d); err != nil {
			return err
		}
		c := *d
		c.ActiveConns, c.InactConns, c.PersistConns, c.Stats = cur.ActiveConns, cur.InactConns, cur.PersistConns, cur.Stats
		svc.dests[d.Key()] = c
		return nil
	})
}

// DeleteDestination implements ipvsctl.Client (ESRCH without the
// service, ENOENT without the destination).
func (f *Fake) DeleteDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return f.write("DeleteDestination", "-d "+destArgs(s, d), func() error {
		svc, ok := f.services[s.Key()]
		if !ok {
			return kerr(ipvsctl.OpDeleteDest, syscall.ESRCH)
		}
		if _, ok := svc.dests[d.Key()]; !ok {
			return kerr(ipvsctl.OpDeleteDest, syscall.ENOENT)
		}
		delete(svc.dests, d.Key())
		return nil
	})
}

// Timeouts implements ipvsctl.Client.
func (f *Fake) Timeouts() (ipvsctl.Timeouts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timeouts, nil
}

// SetTimeouts implements ipvsctl.Client (0 leaves a value unchanged).
func (f *Fake) SetTimeouts(t ipvsctl.Timeouts) error {
	return f.write("SetTimeouts", fmt.Sprintf("--set %d %d %d", t.TCP, t.TCPFin, t.UDP), func() error {
		if t.TCP != 0 {
			f.timeouts.TCP = t.TCP
		}
		if t.TCPFin != 0 {
			f.timeouts.TCPFin = t.TCPFin
		}
		if t.UDP != 0 {
			f.timeouts.UDP = t.UDP
		}
		return nil
	})
}

// Daemons implements ipvsctl.Client.
func (f *Fake) Daemons() ([]ipvsctl.Daemon, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ipvsctl.Daemon(nil), f.daemons...), nil
}

// StartDaemon implements ipvsctl.Client (EEXIST if that state runs).
func (f *Fake) StartDaemon(d *ipvsctl.Daemon) error {
	return f.write("StartDaemon", fmt.Sprintf("--start-daemon %d", d.State), func() error {
		for _, x := range f.daemons {
			if x.State == d.State {
				return kerr(ipvsctl.OpStartDaemon, syscall.EEXIST)
			}
		}
		f.daemons = append(f.daemons, *d)
		return nil
	})
}

// StopDaemon implements ipvsctl.Client (ESRCH if that state is not
// running).
func (f *Fake) StopDaemon(d *ipvsctl.Daemon) error {
	return f.write("StopDaemon", fmt.Sprintf("--stop-daemon %d", d.State), func() error {
		for i, x := range f.daemons {
			if x.State == d.State {
				f.daemons = append(f.daemons[:i], f.daemons[i+1:]...)
				return nil
			}
		}
		return kerr(ipvsctl.OpStopDaemon, syscall.ESRCH)
	})
}

// Close implements ipvsctl.Client.
func (f *Fake) Close() error { return nil }

// Dump renders the table in a compact, sorted, line-per-entry form for
// test assertions: "-A -t 10.0.0.1:80 -s wrr" and
// "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1".
func (f *Fake) Dump() string {
	svcs, _ := f.Services()
	var b strings.Builder
	for i := range svcs {
		b.WriteString("-A " + serviceArgs(&svcs[i]) + "\n")
		dests, _ := f.Destinations(&svcs[i])
		for j := range dests {
			b.WriteString("-a " + destFull(&svcs[i], &dests[j]) + "\n")
		}
	}
	return b.String()
}
