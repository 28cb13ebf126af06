package checks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
)

// SIP is negotiate with service=sip (check_sip): an OPTIONS request for
// sip:LOGIN over the virtual's protocol; the first line of the answer must
// start with "SIP/2.0 200 OK".
type SIP struct{}

func (SIP) String() string { return "negotiate:sip" }

func (SIP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, t.protocol(), t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		local := c.LocalAddr().String()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
			local = net.JoinHostPort(a.IP.String(), fmt.Sprint(a.Port))
		}
		// The request is check_sip's, header for header (Via says UDP
		// even over TCP, as ldirectord's does).
		req := "OPTIONS sip:" + t.Login + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bKhjhs8ass877\r\n" +
			"Max-Forwards: 70\r\n" +
			"To: <sip:" + t.Login + ">\r\n" +
			"From: <sip:" + t.Login + ">;tag=1928301774\r\n" +
			fmt.Sprintf("Call-ID: %016x\r\n", rand.Uint64()) +
			"CSeq: 63104 OPTIONS\r\n" +
			"Contact: <sip:" + t.Login + ">\r\n" +
			"Accept: application/sdp\r\n" +
			"Content-Length: 0\r\n\r\n"
		if _, err := c.Write([]byte(req)); err != nil {
			return fail("send OPTIONS", err)
		}
		var status string
		if t.protocol() == "udp" {
			buf := make([]byte, 65536)
			n, err := c.Conn.Read(buf)
			if err != nil {
				return fail("OPTIONS", err)
			}
			status = sipStatusLine(buf[:n])
		} else if status, err = c.readLine(); err != nil {
			return fail("OPTIONS", err)
		}
		return sipStatus(status)
	})
}

// sipStatusLine is the first line of a datagram.
func sipStatusLine(b []byte) string {
	status, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(status, "\r")
}

// sipStatus judges the answer's status line.
func sipStatus(status string) Result {
	if !strings.HasPrefix(status, "SIP/2.0 200 OK") {
		return down(short(status), errors.New("sip: "+short(status)))
	}
	return up(short(status))
}
