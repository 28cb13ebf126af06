package netlink

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Generic netlink controller constants (linux/genetlink.h).
const (
	genlIDCtrl         = 0x10
	ctrlCmdGetFamily   = 3
	ctrlAttrFamilyID   = 1
	ctrlAttrFamilyName = 2
	ipvsGenlName       = "IPVS"
	ipvsGenlVersion    = 1
	nlaTypeMask        = 0x3fff // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER
	genlHeaderLen      = 4
	recvTimeoutSeconds = 30
	recvBufferSize     = 64 * 1024 // a dump part is at most 32 KiB
	socketBufferSize   = 1 << 20   // room for a pipeline's acknowledgements
)

// genlConn is one blocking generic netlink socket with a reusable receive
// buffer. Messages are built with the nl package; the I/O is plain
// syscalls because a listing makes one round trip per service and
// nl.NetlinkSocket zeroes and copies 64 KiB on every receive.
type genlConn struct {
	mu     sync.Mutex
	fd     int
	buf    []byte
	seq    uint32
	family uint16
	pipe   *pipeline // open during a batch
}

func dialGenl() (*genlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	c := &genlConn{fd: fd, buf: make([]byte, recvBufferSize)}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		c.close()
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	tv := unix.Timeval{Sec: recvTimeoutSeconds}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		c.close()
		return nil, fmt.Errorf("netlink receive timeout: %w", err)
	}
	// best effort: a smaller buffer only shortens the pipeline's reach
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, socketBufferSize)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, socketBufferSize)
	fam, err := c.resolve(ipvsGenlName)
	if err != nil {
		c.close()
		return nil, err
	}
	c.family = fam
	return c, nil
}

func (c *genlConn) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

func (c *genlConn) resolve(name string) (uint16, error) {
	msgs, err := c.exec(genlIDCtrl, ctrlCmdGetFamily, 0,
		nl.NewRtAttr(ctrlAttrFamilyName, nl.ZeroTerminated(name)))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return 0, ipvsctl.ErrNoIPVS
		}
		return 0, fmt.Errorf("resolve genl family %s: %w", name, err)
	}
	for _, m := range msgs {
		attrs, err := nl.ParseRouteAttr(m)
		if err != nil {
			return 0, fmt.Errorf("resolve genl family %s: %w", name, err)
		}
		for _, a := range attrs {
			if a.Attr.Type&nlaTypeMask == ctrlAttrFamilyID && len(a.Value) >= 2 {
				return native.Uint16(a.Value), nil
			}
		}
	}
	return 0, ipvsctl.ErrNoIPVS
}

// ipvs runs one IPVS command and returns the attribute payloads of the
// answers (generic netlink header stripped).
func (c *genlConn) ipvs(cmd uint8, flags int, attrs ...nl.NetlinkRequestData) ([][]byte, error) {
	return c.exec(c.family, cmd, flags, attrs...)
}

func (c *genlConn) request(family uint16, cmd uint8, flags int, attrs ...nl.NetlinkRequestData) *nl.NetlinkRequest {
	c.seq++
	req := nl.NewNetlinkRequest(int(family), unix.NLM_F_ACK|flags)
	req.Seq = c.seq
	req.AddData(&nl.Genlmsg{Command: cmd, Version: ipvsGenlVersion})
	for _, a := range attrs {
		req.AddData(a)
	}
	return req
}

func (c *genlConn) send(b []byte) error {
	return unix.Sendto(c.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// recv reads one datagram; the messages alias the receive buffer until the
// next recv.
func (c *genlConn) recv() ([]syscall.NetlinkMessage, error) {
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		return syscall.ParseNetlinkMessage(c.buf[:n])
	}
}

func (c *genlConn) exec(family uint16, cmd uint8, flags int, attrs ...nl.NetlinkRequestData) ([][]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drainLocked() // a read or a synchronous write sees every queued write done
	req := c.request(family, cmd, flags, attrs...)
	if err := c.send(req.Serialize()); err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		msgs, err := c.recv()
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Seq {
				continue // a late answer to an earlier request
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, errors.New("short netlink error message")
				}
				if e := int32(native.Uint32(m.Data[:4])); e != 0 {
					return nil, syscall.Errno(-e)
				}
				return out, nil
			}
			if len(m.Data) >= genlHeaderLen {
				out = append(out, append([]byte(nil), m.Data[genlHeaderLen:]...))
			}
		}
	}
}
