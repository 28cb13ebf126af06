package ipvsctl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/moby/ipvs"
	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Netlink is the kernel Client. The connection timeouts go through
// moby/ipvs. Everything else goes through our own generic netlink requests
// on the same nl package: moby/ipvs reads weights as 16 bits, never sends a
// destination's family or tunnel attributes, has no 64-bit counters, zero,
// info or sync daemon, and forks modprobe for every handle it opens, which
// a command that only adds one service should not pay.
type Netlink struct {
	conn *genlConn

	// ProcIPVS overrides ProcIPVSFile (tests).
	ProcIPVS string

	mobyOnce sync.Once
	moby     *ipvs.Handle
	mobyErr  error
	mobyMu   sync.Mutex // moby's handle is not safe for concurrent use
}

var _ Client = (*Netlink)(nil)

// Open connects to IPVS the way ipvsadm's ipvs_init does: find the IPVS
// family and ask for its info; when that fails, run `modprobe -- ip_vs`
// once and try again. The error is ErrNoIPVS or a *KernelError (EPERM for
// a user without CAP_NET_ADMIN).
func Open() (*Netlink, error) {
	n, err := open()
	if err != nil {
		if modprobe() == nil {
			n, err = open()
		}
	}
	return n, err
}

func open() (*Netlink, error) {
	conn, err := dialGenl()
	if err != nil {
		return nil, err
	}
	n := &Netlink{conn: conn}
	if _, err := n.Info(); err != nil {
		conn.close()
		return nil, err
	}
	return n, nil
}

func modprobe() error {
	cmd := exec.Command("/sbin/modprobe", "--", "ip_vs")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr // ipvsadm lets modprobe speak
	return cmd.Run()
}

func init() {
	// moby/ipvs logs through logrus; our stderr belongs to ipvsadm's texts.
	logrus.SetOutput(io.Discard)
}

// Close releases the sockets.
func (n *Netlink) Close() error {
	n.conn.close()
	if n.moby != nil {
		n.moby.Close()
	}
	return nil
}

func (n *Netlink) mobyHandle() (*ipvs.Handle, error) {
	n.mobyOnce.Do(func() {
		n.moby, n.mobyErr = ipvs.New("")
		if n.mobyErr != nil {
			n.mobyErr = fmt.Errorf("moby/ipvs handle: %w", n.mobyErr)
		}
	})
	return n.moby, n.mobyErr
}

func (n *Netlink) mobyDo(op Op, f func(h *ipvs.Handle) error) error {
	n.conn.mu.Lock()
	n.conn.drainLocked() // moby's socket must not overtake queued writes
	n.conn.mu.Unlock()
	h, err := n.mobyHandle()
	if err != nil {
		return err
	}
	n.mobyMu.Lock()
	defer n.mobyMu.Unlock()
	if err := f(h); err != nil {
		return kerr(op, err)
	}
	return nil
}

func (n *Netlink) serviceCmd(op Op, cmd uint8, s *Service) error {
	d := withDefaults(s)
	return n.conn.write(op, cmd, serviceAttr(&d))
}

// withDefaults fills what a caller of the library may leave zero: the
// address family (from the address; IPv4 for a fwmark) and the persistence
// granularity (a host: /32 or /128). ipvsadm always sets both.
func withDefaults(s *Service) Service {
	d := *s
	if d.Family == 0 {
		d.Family = AFInet
		if d.FWMark == 0 && d.Address.Is6() && !d.Address.Is4In6() {
			d.Family = AFInet6
		}
	}
	if d.Netmask == 0 {
		d.Netmask = 0xffffffff
		if d.Family == AFInet6 {
			d.Netmask = 128
		}
	}
	return d
}

// AddService adds a virtual service.
func (n *Netlink) AddService(s *Service) error { return n.serviceCmd(OpAddService, cmdNewService, s) }

// UpdateService replaces a service's configuration (ipvsadm -E).
func (n *Netlink) UpdateService(s *Service) error {
	return n.serviceCmd(OpUpdateService, cmdSetService, s)
}

// DeleteService removes a service and its destinations.
func (n *Netlink) DeleteService(s *Service) error {
	return n.serviceCmd(OpDeleteService, cmdDelService, s)
}

// Flush removes every service.
func (n *Netlink) Flush() error {
	return n.conn.write(OpFlush, cmdFlush)
}

// Timeouts reads the connection timeouts.
func (n *Netlink) Timeouts() (Timeouts, error) {
	var c *ipvs.Config
	err := n.mobyDo(OpGetTimeouts, func(h *ipvs.Handle) (err error) { c, err = h.GetConfig(); return err })
	if err != nil {
		return Timeouts{}, err
	}
	return Timeouts{
		TCP:    uint32(c.TimeoutTCP / time.Second),
		TCPFin: uint32(c.TimeoutTCPFin / time.Second),
		UDP:    uint32(c.TimeoutUDP / time.Second),
	}, nil
}

// SetTimeouts sets the connection timeouts; zero leaves a value unchanged.
func (n *Netlink) SetTimeouts(t Timeouts) error {
	c := &ipvs.Config{
		TimeoutTCP:    time.Duration(t.TCP) * time.Second,
		TimeoutTCPFin: time.Duration(t.TCPFin) * time.Second,
		TimeoutUDP:    time.Duration(t.UDP) * time.Second,
	}
	return n.mobyDo(OpSetTimeouts, func(h *ipvs.Handle) error { return h.SetConfig(c) })
}

// Info reads the IPVS version and connection table size.
func (n *Netlink) Info() (Info, error) {
	msgs, err := n.conn.ipvs(cmdGetInfo, 0)
	if err != nil {
		return Info{}, kerr(OpGetInfo, err)
	}
	if len(msgs) == 0 {
		return Info{}, errors.New("ipvs: empty GET_INFO answer")
	}
	a, err := parseAttrs(msgs[0])
	if err != nil {
		return Info{}, err
	}
	return Info{Version: a.u32(infoAttrVersion), ConnTabSize: a.u32(infoAttrConnTabSize)}, nil
}

// Services lists every service with its 64-bit counters, in kernel order.
func (n *Netlink) Services() ([]Service, error) {
	msgs, err := n.conn.ipvs(cmdGetService, unix.NLM_F_DUMP)
	if err != nil {
		return nil, kerr(OpGetServices, err)
	}
	out := make([]Service, 0, len(msgs))
	for _, m := range msgs {
		s, err := decodeService(m)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// GetService reads one service.
func (n *Netlink) GetService(k ServiceKey) (Service, error) {
	q := Service{Family: k.Family, Protocol: k.Protocol, Address: k.Address, Port: k.Port, FWMark: k.FWMark}
	msgs, err := n.conn.ipvs(cmdGetService, 0, serviceAttr(&q))
	if err != nil {
		return Service{}, kerr(OpGetService, err)
	}
	if len(msgs) == 0 {
		return Service{}, &KernelError{Op: OpGetService, Errno: unix.ESRCH}
	}
	return decodeService(msgs[0])
}

// Destinations lists a service's real servers in kernel order.
func (n *Netlink) Destinations(s *Service) ([]Destination, error) {
	return destinationsOn(n.conn, s)
}

func (n *Netlink) destCmd(op Op, cmd uint8, s *Service, d *Destination) error {
	sd := withDefaults(s)
	return n.conn.write(op, cmd, serviceAttr(&sd), destAttr(d))
}

// AddDestination adds a real server.
func (n *Netlink) AddDestination(s *Service, d *Destination) error {
	return n.destCmd(OpAddDest, cmdNewDest, s, d)
}

// UpdateDestination replaces a real server's configuration.
func (n *Netlink) UpdateDestination(s *Service, d *Destination) error {
	return n.destCmd(OpUpdateDest, cmdSetDest, s, d)
}

// DeleteDestination removes a real server.
func (n *Netlink) DeleteDestination(s *Service, d *Destination) error {
	return n.destCmd(OpDeleteDest, cmdDelDest, s, d)
}

// ZeroService zeroes one service's counters, or all when s is nil.
func (n *Netlink) ZeroService(s *Service) error {
	var attrs []nl.NetlinkRequestData
	if s != nil {
		attrs = append(attrs, serviceAttr(s))
	}
	return n.conn.write(OpZero, cmdZero, attrs...)
}

// Daemons lists the running sync daemons.
func (n *Netlink) Daemons() ([]Daemon, error) {
	msgs, err := n.conn.ipvs(cmdGetDaemon, unix.NLM_F_DUMP)
	if err != nil {
		return nil, kerr(OpGetDaemons, err)
	}
	var out []Daemon
	for _, m := range msgs {
		d, err := decodeDaemon(m)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// StartDaemon starts a sync daemon.
func (n *Netlink) StartDaemon(d *Daemon) error {
	if _, err := n.conn.ipvs(cmdNewDaemon, 0, daemonAttr(d, true)); err != nil {
		return kerr(OpStartDaemon, err)
	}
	return nil
}

// StopDaemon stops a sync daemon.
func (n *Netlink) StopDaemon(d *Daemon) error {
	if _, err := n.conn.ipvs(cmdDelDaemon, 0, daemonAttr(d, false)); err != nil {
		return kerr(OpStopDaemon, err)
	}
	return nil
}
