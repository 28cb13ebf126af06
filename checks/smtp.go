package checks

import (
	"context"
	"errors"
	"strings"
)

// SMTP is negotiate for smtp and submission (check_smtp, Net::SMTP): the
// greeting must be 2xx and EHLO (or, failing that, HELO) accepted; then
// QUIT. No login, no TLS.
type SMTP struct{}

func (SMTP) String() string { return "negotiate:smtp" }

// smtpHello is Net::SMTP's default hello domain.
const smtpHello = "localhost.localdomain"

func (SMTP) Check(ctx context.Context, t Target) Result {
	return timed(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, "tcp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		code, text, err := smtpReply(c)
		if err != nil {
			return fail("greeting", err)
		}
		if code[0] != '2' {
			return down("greeting "+text, errors.New("smtp: greeting "+text))
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
				return down("HELO "+text, errors.New("smtp: HELO "+text))
			}
		}
		_ = c.cmd("QUIT")
		return up(text)
	})
}

// smtpReply reads a possibly multi-line reply ("250-a", "250 b") and
// returns its code and last line. FTP replies have the same shape.
func smtpReply(c *conn) (string, string, error) {
	for n := 0; n < 1000; n++ {
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
	return "", "", errors.New("reply too long")
}

// short trims s for a reason string.
func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
