package checks

import (
	"context"
	"errors"
	"strings"
)

// SMTP is negotiate for smtp and submission (check_smtp, Net::SMTP): the
// greeting must be 2xx and EHLO (or, failing that, HELO) accepted; then
// QUIT. No login, no TLS.
//
// smtps is lvsctl's: the same over TLS from the first byte (port 465),
// verified as Net::SMTP's SSL option would (IO::Socket::SSL's defaults:
// the chain, and that the certificate names the real's address).
type SMTP struct{}

func (SMTP) String() string { return "negotiate:smtp" }

// smtpHello is Net::SMTP's default hello domain.
const smtpHello = "localhost.localdomain"

func (SMTP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dialService(ctx, t, t.Service == "smtps", tlsVerifyChainIP)
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		return smtpSession(c)
	})
}

// smtpSession is the conversation after connecting.
func smtpSession(c *conn) Result {
	code, text, err := smtpReply(c)
	if err != nil {
		return fail("greeting", err)
	}
	if code[0] != '2' {
		return down("greeting "+short(text), errors.New("smtp: greeting "+short(text)))
	}
	if err := c.cmd("EHLO %s", smtpHello); err != nil {
		return fail("EHLO", err)
	}
	if code, text, err = smtpReply(c); err != nil {
		return fail("EHLO", err)
	}
	if code[0] != '2' {
		if err := c.cmd("HELO %s", smtpHello); err != nil {
			return fail("HELO", err)
		}
		if code, text, err = smtpReply(c); err != nil {
			return fail("HELO", err)
		}
		if code[0] != '2' {
			return down("HELO "+short(text), errors.New("smtp: HELO "+short(text)))
		}
	}
	_ = c.cmd("QUIT")
	return up(short(text))
}

// maxReplyLines bounds the lines of one multi-line reply.
const maxReplyLines = 1000

// smtpReply reads a possibly multi-line reply ("250-a", "250 b") and
// returns its code and last line. FTP replies have the same shape.
func smtpReply(c *conn) (string, string, error) {
	for n := 0; n < maxReplyLines; n++ {
		line, err := c.readLine()
		if err != nil {
			return "", "", err
		}
		if len(line) < 3 || strings.Trim(line[:3], "0123456789") != "" {
			if n == 0 {
				return "", "", errors.New("garbage reply: " + short(line))
			}
			continue // inside an FTP-style multi-line text
		}
		if len(line) == 3 || line[3] == ' ' {
			return line[:3], line, nil
		}
	}
	return "", "", errors.New("reply longer than 1000 lines: refused")
}
