package netlink

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/moby/ipvs"
	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Client is the ipvsctl.Client of the kernel. The connection timeouts go
// through moby/ipvs. Everything else goes through our own generic netlink
// requests on the same nl package: moby/ipvs reads weights as 16 bits, never sends a
// destination's family or tunnel attributes, has no 64-bit counters, zero,
// info or sync daemon, and forks modprobe for every handle it opens, which
// a command that only adds one service should not pay.
type Client struct {
	conn *genlConn

	mobyOnce sync.Once
	moby     *ipvs.Handle
	mobyErr  error
	mobyMu   sync.Mutex // moby's handle is not safe for concurrent use
}

var _ ipvsctl.Client = (*Client)(nil)

// Open connects to IPVS the way ipvsadm's ipvs_init does: find the IPVS
// family and ask for its info; when that fails, run `modprobe -- ip_vs`
// once and try again. The error is ipvsctl.ErrNoIPVS or an
// *ipvsctl.KernelError (EPERM for a user without CAP_NET_ADMIN).
func Open() (*Client, error) {
	n, err := open()
	if err != nil {
		if modprobe() == nil {
			n, err = open()
		}
	}
	return n, err
}

func open() (*Client, error) {
	conn, err := dialGenl()
	if err != nil {
		return nil, err
	}
	n := &Client{conn: conn}
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

// Close releases the sockets.
func (n *Client) Close() error {
	n.conn.close()
	if n.moby != nil {
		n.moby.Close()
	}
	return nil
}

func (n *Client) mobyHandle() (*ipvs.Handle, error) {
	n.mobyOnce.Do(func() {
		withLogrusMuted(func() { n.moby, n.mobyErr = ipvs.New("") })
		if n.mobyErr != nil {
			n.mobyErr = fmt.Errorf("moby/ipvs handle: %w", n.mobyErr)
		}
	})
	return n.moby, n.mobyErr
}

// logrusMu keeps two handles being opened at once from restoring each
// other's muted level.
var logrusMu sync.Mutex

// withLogrusMuted runs f with logrus's standard logger muted. moby/ipvs
// logs through it only in the first ipvs.New of a process (a failed
// modprobe, a missing IPVS family), and to stderr, which belongs to
// ipvsadm's texts; this client reports those failures itself. Muting that
// call, rather than discarding logrus's output in an init, leaves logrus
// as it was for the rest of the process and for every program that
// imports this package without opening a client.
func withLogrusMuted(f func()) {
	logrusMu.Lock()
	defer logrusMu.Unlock()
	level := logrus.GetLevel()
	logrus.SetLevel(logrus.PanicLevel)
	defer logrus.SetLevel(level)
	f()
}

func (n *Client) mobyDo(op ipvsctl.Op, f func(h *ipvs.Handle) error) error {
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

// kerr is err as the error of op: a *ipvsctl.KernelError for an errno, so
// it reads as ipvsadm words it.
func kerr(op ipvsctl.Op, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &ipvsctl.KernelError{Op: op, Errno: errno}
	}
	return fmt.Errorf("ipvs: %w", err)
}

func (n *Client) serviceCmd(op ipvsctl.Op, cmd uint8, s *ipvsctl.Service) error {
	return n.conn.write(op, cmd, serviceRequestAttr(s))
}

// serviceRequestAttr is the service nest of a write request.
func serviceRequestAttr(s *ipvsctl.Service) *nl.RtAttr {
	d := withFamily(s)
	return serviceAttr(&d)
}

// withFamily fills the address family when a caller of the library left
// it zero (from the address; IPv4 for a fwmark): 0 is no family, so
// nothing the caller chose is replaced. Every other field goes to the
// kernel as given; a zero netmask is the mask 0.0.0.0, which ipvsadm
// users ask for with -M 0.0.0.0 (ipvsctl.HostNetmask is the default).
func withFamily(s *ipvsctl.Service) ipvsctl.Service {
	d := *s
	if d.Family == 0 {
		d.Family = ipvsctl.AFInet
		if d.FWMark == 0 && d.Address.Is6() && !d.Address.Is4In6() {
			d.Family = ipvsctl.AFInet6
		}
	}
	return d
}

// AddService adds a virtual service.
func (n *Client) AddService(s *ipvsctl.Service) error {
	return n.serviceCmd(ipvsctl.OpAddService, cmdNewService, s)
}

// UpdateService replaces a service's configuration (ipvsadm -E).
func (n *Client) UpdateService(s *ipvsctl.Service) error {
	return n.serviceCmd(ipvsctl.OpUpdateService, cmdSetService, s)
}

// DeleteService removes a service and its destinations.
func (n *Client) DeleteService(s *ipvsctl.Service) error {
	return n.serviceCmd(ipvsctl.OpDeleteService, cmdDelService, s)
}

// Flush removes every service.
func (n *Client) Flush() error {
	return n.conn.write(ipvsctl.OpFlush, cmdFlush)
}

// Timeouts reads the connection timeouts.
func (n *Client) Timeouts() (ipvsctl.Timeouts, error) {
	var c *ipvs.Config
	err := n.mobyDo(ipvsctl.OpGetTimeouts, func(h *ipvs.Handle) (err error) { c, err = h.GetConfig(); return err })
	if err != nil {
		return ipvsctl.Timeouts{}, err
	}
	return ipvsctl.Timeouts{
		TCP:    uint32(c.TimeoutTCP / time.Second),
		TCPFin: uint32(c.TimeoutTCPFin / time.Second),
		UDP:    uint32(c.TimeoutUDP / time.Second),
	}, nil
}

// SetTimeouts sets the connection timeouts; zero leaves a value unchanged.
func (n *Client) SetTimeouts(t ipvsctl.Timeouts) error {
	c := &ipvs.Config{
		TimeoutTCP:    time.Duration(t.TCP) * time.Second,
		TimeoutTCPFin: time.Duration(t.TCPFin) * time.Second,
		TimeoutUDP:    time.Duration(t.UDP) * time.Second,
	}
	return n.mobyDo(ipvsctl.OpSetTimeouts, func(h *ipvs.Handle) error { return h.SetConfig(c) })
}

// Info reads the IPVS version and connection table size.
func (n *Client) Info() (ipvsctl.Info, error) {
	msgs, err := n.conn.ipvs(cmdGetInfo, 0)
	if err != nil {
		return ipvsctl.Info{}, kerr(ipvsctl.OpGetInfo, err)
	}
	if len(msgs) == 0 {
		return ipvsctl.Info{}, errors.New("ipvs: empty GET_INFO answer")
	}
	a, err := parseAttrs(msgs[0])
	if err != nil {
		return ipvsctl.Info{}, err
	}
	return ipvsctl.Info{Version: a.u32(infoAttrVersion), ConnTabSize: a.u32(infoAttrConnTabSize)}, nil
}

// Services lists every service with its 64-bit counters, in kernel order.
func (n *Client) Services() ([]ipvsctl.Service, error) {
	msgs, err := n.conn.ipvs(cmdGetService, unix.NLM_F_DUMP)
	if err != nil {
		return nil, kerr(ipvsctl.OpGetServices, err)
	}
	out := make([]ipvsctl.Service, 0, len(msgs))
	for _, m := range msgs {
		s, err := decodeService(m)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return withoutRepeats(out), nil
}

// withoutRepeats drops a service listed a second time. The kernel (Debian
// 12's) resumes a dump of services by a position counted over every
// network namespace's services, so one added in another namespace while
// ours is dumped makes the dump list one of ours twice.
func withoutRepeats(svcs []ipvsctl.Service) []ipvsctl.Service {
	if len(svcs) < 2 {
		return svcs
	}
	seen := make(map[ipvsctl.ServiceKey]struct{}, len(svcs))
	out := svcs[:0]
	for i := range svcs {
		k := svcs[i].Key()
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, svcs[i])
	}
	return out
}

// GetService reads one service.
func (n *Client) GetService(k ipvsctl.ServiceKey) (ipvsctl.Service, error) {
	q := ipvsctl.Service{Family: k.Family, Protocol: k.Protocol, Address: k.Address, Port: k.Port, FWMark: k.FWMark}
	msgs, err := n.conn.ipvs(cmdGetService, 0, serviceAttr(&q))
	if err != nil {
		return ipvsctl.Service{}, kerr(ipvsctl.OpGetService, err)
	}
	if len(msgs) == 0 {
		return ipvsctl.Service{}, &ipvsctl.KernelError{Op: ipvsctl.OpGetService, Errno: unix.ESRCH}
	}
	return decodeService(msgs[0])
}

// Destinations lists a service's real servers in kernel order.
func (n *Client) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	return destinationsOn(n.conn, s)
}

func (n *Client) destCmd(op ipvsctl.Op, cmd uint8, s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return n.conn.write(op, cmd, serviceRequestAttr(s), destAttr(d))
}

// AddDestination adds a real server.
func (n *Client) AddDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return n.destCmd(ipvsctl.OpAddDest, cmdNewDest, s, d)
}

// UpdateDestination replaces a real server's configuration.
func (n *Client) UpdateDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return n.destCmd(ipvsctl.OpUpdateDest, cmdSetDest, s, d)
}

// DeleteDestination removes a real server.
func (n *Client) DeleteDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	return n.destCmd(ipvsctl.OpDeleteDest, cmdDelDest, s, d)
}

// ZeroService zeroes one service's counters, or all when s is nil.
func (n *Client) ZeroService(s *ipvsctl.Service) error {
	var attrs []nl.NetlinkRequestData
	if s != nil {
		attrs = append(attrs, serviceAttr(s))
	}
	return n.conn.write(ipvsctl.OpZero, cmdZero, attrs...)
}

// Daemons lists the running sync daemons.
func (n *Client) Daemons() ([]ipvsctl.Daemon, error) {
	msgs, err := n.conn.ipvs(cmdGetDaemon, unix.NLM_F_DUMP)
	if err != nil {
		return nil, kerr(ipvsctl.OpGetDaemons, err)
	}
	var out []ipvsctl.Daemon
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
func (n *Client) StartDaemon(d *ipvsctl.Daemon) error {
	if _, err := n.conn.ipvs(cmdNewDaemon, 0, daemonAttr(d, true)); err != nil {
		return kerr(ipvsctl.OpStartDaemon, err)
	}
	return nil
}

// StopDaemon stops a sync daemon.
func (n *Client) StopDaemon(d *ipvsctl.Daemon) error {
	if _, err := n.conn.ipvs(cmdDelDaemon, 0, daemonAttr(d, false)); err != nil {
		return kerr(ipvsctl.OpStopDaemon, err)
	}
	return nil
}
