package ipvsctl

import "net/netip"

// Client is everything lvsctl asks of IPVS. The netlink client talks to the
// kernel; ipvstest.Fake keeps a table in memory and fails like the kernel.
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
	return itoa(int(i.Version>>16)) + "." + itoa(int(i.Version>>8&0xff)) + "." + itoa(int(i.Version&0xff))
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
