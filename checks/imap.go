package checks

import (
	"context"
	"errors"
	"regexp"
	"strings"
)

// IMAP is negotiate for imap and imaps (check_imap, Net::IMAP::Simple):
// the greeting must be "* OK" or "* PREAUTH" and, when login is set, LOGIN
// must be answered OK. imaps verifies like pops.
type IMAP struct{}

func (IMAP) String() string { return "negotiate:imap" }

var imapGreeting = regexp.MustCompile(`(?i)^\*\s+(?:OK|PREAUTH)`)

func (IMAP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dialService(ctx, t, t.Service == "imaps", tlsVerifyChainIP)
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		return imapSession(c, t)
	})
}

// imapSession is the conversation after connecting.
func imapSession(c *conn, t Target) Result {
	line, err := c.readLine()
	if err != nil {
		return fail("greeting", err)
	}
	if !imapGreeting.MatchString(line) {
		return down("greeting "+short(line), errors.New("imap: greeting "+short(line)))
	}
	if t.Login != "" {
		// Net::IMAP::Simple quotes only the password.
		pass := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t.Passwd) + `"`
		if err := c.cmd("a1 LOGIN %s %s", t.Login, pass); err != nil {
			return fail("login", err)
		}
		for {
			line, err = c.readLine()
			if err != nil {
				return fail("login", err)
			}
			if strings.HasPrefix(line, "a1 ") {
				break
			}
		}
		if !strings.HasPrefix(strings.ToUpper(line), "A1 OK") {
			return down("login failed: "+short(line), errors.New("imap: login failed"))
		}
	}
	_ = c.cmd("a2 LOGOUT")
	return up(short(line))
}
