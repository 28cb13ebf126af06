package checks

import (
	"context"
	"errors"
	"strings"
)

// POP is negotiate for pop and pops (check_pop, Mail::POP3Client): the
// greeting must be +OK and, when login is set, USER/PASS accepted. pops
// verifies the certificate chain and that it names the real's address
// (IO::Socket::SSL's defaults).
//
// ldirectord reports a pop real without login up even when nothing
// listens (Mail::POP3Client->new never fails); here the greeting counts.
type POP struct{}

func (POP) String() string { return "negotiate:pop" }

func (POP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dialService(ctx, t, t.Service == "pops", tlsVerifyChainIP)
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		return popSession(c, t)
	})
}

// popSession is the conversation after connecting.
func popSession(c *conn, t Target) Result {
	line, err := c.readLine()
	if err != nil {
		return fail("greeting", err)
	}
	if !popOK(line) {
		return down("greeting "+short(line), errors.New("pop: greeting "+short(line)))
	}
	if t.Login != "" {
		for _, cmd := range []string{"USER " + t.Login, "PASS " + t.Passwd} {
			if err := c.cmd("%s", cmd); err != nil {
				return fail("login", err)
			}
			if line, err = c.readLine(); err != nil {
				return fail("login", err)
			}
			if !popOK(line) {
				return down("login failed: "+short(line), errors.New("pop: login failed"))
			}
		}
	}
	_ = c.cmd("QUIT")
	return up(short(line))
}

func popOK(line string) bool { return strings.HasPrefix(strings.ToUpper(line), "+OK") }
