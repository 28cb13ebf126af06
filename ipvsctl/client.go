package ipvsctl

import (
	"net/netip"
	"strconv"
)

// Client is everything lvsctl asks of IPVS. The netlink package's client
// talks to the kernel; ipvstest.Fake keeps a table in memory and fails
// like the kernel.
type Client interface {
	Info() (Info, error)
	Services() ([]Service, error)
	GetService(k ServiceKey) (Service, error)
	Destinations(s *Service) ([]Destination, error)

	AddService(s *Service) error
	UpdateService(s *Service) error
	DeleteService(s *Service) error
	Flush() error
	// ZeroService zeroes one service's counters, or all when s is nil.
	ZeroService(s *Service) error

	AddDestination(s *Service, d *Destination) error
	UpdateDestination(s *Service, d *Destination) error
	DeleteDestination(s *Service, d *Destination) error

	Timeouts() (Timeouts, error)
	SetTimeouts(t Timeouts) error

	Daemons() ([]Daemon, error)
	StartDaemon(d *Daemon) error
	StopDaemon(d *Daemon) error

	Close() error
}

// Info is what IPVS_CMD_GET_INFO answers.
type Info struct {
	Version     uint32 // 0x010201 is 1.2.1
	ConnTabSize uint32
}

// VersionString renders the version as ipvsadm does ("1.2.1").
func (i Info) VersionString() string {
	return strconv.Itoa(int(i.Version>>16)) + "." + strconv.Itoa(int(i.Version>>8&0xff)) + "." + strconv.Itoa(int(i.Version&0xff))
}

// Timeouts are the connection timeouts of ipvsadm --set, in seconds; 0 in a
// SetTimeouts call leaves that value unchanged.
type Timeouts struct {
	TCP    uint32
	TCPFin uint32
	UDP    uint32
}

// Sync daemon states (IP_VS_STATE_*).
const (
	DaemonMaster uint32 = 1
	DaemonBackup uint32 = 2
)

// Daemon is one connection-synchronisation daemon.
type Daemon struct {
	State      uint32
	McastIfn   string
	SyncID     uint32
	SyncMaxLen uint16
	McastGroup netip.Addr // invalid when not set
	McastPort  uint16
	McastTTL   uint8
}

// StateName is the daemon's role as ipvsadm names it (master, backup); ok
// is false for a slot the kernel lists without a running daemon.
func (d *Daemon) StateName() (name string, ok bool) {
	switch {
	case d.State&DaemonMaster != 0:
		return "master", true
	case d.State&DaemonBackup != 0:
		return "backup", true
	}
	return "", false
}

// Batcher is implemented by clients that can keep writes in flight. Between
// BeginBatch and EndBatch, write methods return nil at once and their
// results are passed to done in call order; any read waits for them first.
type Batcher interface {
	BeginBatch(done func(err error))
	EndBatch()
}

// MultiDestinations is implemented by clients that list the destinations
// of many services at once: IPVS's netlink API dumps one service's
// destinations per request, the kernel's /proc/net/ip_vs all of them in
// one read. errs[i] is the error for svcs[i].
type MultiDestinations interface {
	DestinationsOf(svcs []Service, detail DestDetail) (dests [][]Destination, errs []error)
}

// DestDetail says which destination fields a listing prints, so a client
// can skip work the output never shows.
type DestDetail uint8

// Destination details, from the most to the least.
const (
	DestFull   DestDetail = iota // every field, counters included
	DestBasic                    // address, forwarding method, weight, active and inactive connections
	DestTunnel                   // DestBasic and the tunnel type, port and flags
)
