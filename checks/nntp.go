package checks

import (
	"context"
	"errors"
)

// NNTP is negotiate with service=nntp (check_nntp): the first read, at
// most 64 bytes, must start with "2".
type NNTP struct{}

func (NNTP) String() string { return "negotiate:nntp" }

func (NNTP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, "tcp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		buf := make([]byte, 64)
		n, err := c.Conn.Read(buf)
		if n == 0 {
			if err == nil {
				err = errors.New("empty read")
			}
			return fail("greeting", err)
		}
		return nntpGreeting(buf[:n])
	})
}

// nntpGreeting judges the first bytes the server sent.
func nntpGreeting(b []byte) Result {
	if b[0] != '2' {
		return down("greeting "+short(string(b)), errors.New("nntp: greeting does not start with 2"))
	}
	return up(short(trimEOL(b)))
}
