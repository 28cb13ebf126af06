package checks

import (
	"context"
	"errors"
	"net"
	"strings"
)

// SimpleTCP is negotiate with service=simpletcp (check_simpletcp): connect
// over the virtual's protocol, send the request without its leading "/"
// and with each literal `\n` turned into a newline, close the sending
// side, and read lines until one matches receive. End of stream without
// a match, or the timeout, is down. At most maxBody bytes are read.
type SimpleTCP struct{}

func (SimpleTCP) String() string { return "negotiate:simpletcp" }

func (SimpleTCP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		match, err := matcher(t.Receive)
		if err != nil {
			return down("bad receive", err)
		}
		c, err := dial(ctx, t.protocol(), t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		req := strings.ReplaceAll(t.request(), `\n`, "\n")
		if _, err := c.Write([]byte(req)); err != nil {
			return fail("send", err)
		}
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		if t.protocol() == "udp" {
			return simpleUDP(c, match)
		}
		return simpleTCPAnswer(c, match)
	})
}

// simpleTCPAnswer reads lines until one matches, at most maxBody bytes.
func simpleTCPAnswer(c *conn, match func(string) bool) Result {
	read := 0
	for read < maxBody {
		// Lines keep their newline: Perl's <$sock> does, and /ok$/
		// must behave the same.
		line, err := c.r.ReadSlice('\n')
		read += len(line)
		if len(line) > 0 && match(string(line)) {
			return up("receive string matched")
		}
		if err != nil && !errors.Is(err, bufioFull) {
			return fail("no line matched receive", err)
		}
	}
	return down("no line matched receive in the first 1 MiB", errors.New("simpletcp: answer too long"))
}

// simpleUDP reads datagrams and matches their lines.
func simpleUDP(c *conn, match func(string) bool) Result {
	buf := make([]byte, 65536)
	read := 0
	for read < maxBody {
		n, err := c.Conn.Read(buf)
		if err != nil {
			return fail("no line matched receive", err)
		}
		read += n
		for _, line := range strings.SplitAfter(string(buf[:n]), "\n") {
			if line != "" && match(line) {
				return up("receive string matched")
			}
		}
	}
	return down("no line matched receive", errors.New("simpletcp: answer too long"))
}
