package ipvsctl

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Generic netlink controller constants (linux/genetlink.h).
const (
	genlIDCtrl          = 0x10
	ctrlCmdGetFamily    = 3
	ctrlAttrFamilyID    = 1
	ctrlAttrFamilyName  = 2
	ipvsGenlName        = "IPVS"
	ipvsGenlVersion     = 1
	nlaTypeMask         = 0x3fff // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER
	genlHeaderLen       = 4
	netlinkRecvTimeoutS = 30
)

// genlConn is one generic netlink socket with a request/response loop.
// moby/ipvs keeps its own socket for the service writes it does well; this
// one carries everything moby/ipvs cannot express.
type genlConn struct {
	mu     sync.Mutex
	sock   *nl.NetlinkSocket
	seq    uint32
	family uint16
	pipe   *pipeline // open during a batch
}

func dialGenl() (*genlConn, error) {
	sock, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	tv := unix.Timeval{Sec: netlinkRecvTimeoutS}
	if err := sock.SetReceiveTimeout(&tv); err != nil {
		sock.Close()
		return nil, fmt.Errorf("netlink socket timeout: %w", err)
	}
	c := &genlConn{sock: sock}
	fam, err := c.resolve(ipvsGenlName)
	if err != nil {
		sock.Close()
		return nil, err
	}
	c.family = fam
	return c, nil
}

func (c *genlConn) close() {
	if c.sock != nil {
		c.sock.Close()
	}
}

func (c *genlConn) resolve(name string) (uint16, error) {
	msgs, err := c.exec(genlIDCtrl, ctrlCmdGetFamily, 0,
		nl.NewRtAttr(ctrlAttrFamilyName, nl.ZeroTerminated(name)))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return 0, ErrNoIPVS
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
	return 0, ErrNoIPVS
}

// ipvs runs one IPVS command and returns the attribute payloads of the
// answers (generic netlink header stripped).
func (c *genlConn) ipvs(cmd uint8, flags int, attrs ...nl.NetlinkRequestData) ([][]byte, error) {
	return c.exec(c.family, cmd, flags, attrs...)
}

func (c *genlConn) exec(family uint16, cmd uint8, flags int, attrs ...nl.NetlinkRequestData) ([][]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drainLocked() // a read or a synchronous write sees every queued write done
	c.seq++
	req := nl.NewNetlinkRequest(int(family), unix.NLM_F_ACK|flags)
	req.Seq = c.seq
	req.AddData(&nl.Genlmsg{Command: cmd, Version: ipvsGenlVersion})
	for _, a := range attrs {
		req.AddData(a)
	}
	if err := c.sock.Send(req); err != nil {
		return nil, err
	}
	dump := flags&unix.NLM_F_DUMP != 0
	var out [][]byte
	for {
		msgs, _, err := c.sock.Receive()
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
			if len(m.Data) < genlHeaderLen {
				continue
			}
			out = append(out, m.Data[genlHeaderLen:])
			if !dump && m.Header.Flags&unix.NLM_F_MULTI == 0 && flags&unix.NLM_F_ACK == 0 {
				return out, nil
			}
		}
	}
}
