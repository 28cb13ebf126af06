package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
)

// FTP is negotiate with service=ftp (check_ftp, Net::FTP): log in, CWD /,
// TYPE I, PASV, RETR request; up iff what arrived matches receive.
// ldirectord ignores every command's status and only looks at the data,
// so a refused login shows up as a missing file. An empty receive (Perl's
// empty pattern reuses an unrelated earlier match) here needs the whole
// transfer to succeed.
//
// The data connection goes to the real's address and the port from the
// 227 reply; the address in the reply is not trusted (it is often a
// private one behind NAT, and following it lets a server aim us anywhere).
type FTP struct{}

func (FTP) String() string { return "negotiate:ftp" }

var pasvRe = regexp.MustCompile(`(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)`)

func (FTP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		match, err := matcher(t.Receive)
		if err != nil {
			return down("bad receive", err)
		}
		data, err := ftpGet(ctx, t)
		if t.Receive == "" && err != nil {
			return fail("ftp", err)
		}
		if !match(string(data)) {
			if err != nil {
				return fail("ftp", err)
			}
			return down("receive string not matched", errors.New("ftp: receive string not matched"))
		}
		return up(fmt.Sprintf("%d bytes retrieved, receive matched", len(data)))
	})
}

func ftpGet(ctx context.Context, t Target) ([]byte, error) {
	c, err := dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	port, err := ftpPassive(c, t)
	if err != nil {
		return nil, err
	}
	daddr := net.JoinHostPort(t.RealAddr.Unmap().String(), strconv.Itoa(port))
	dc, err := dial(ctx, "tcp", daddr)
	if err != nil {
		return nil, fmt.Errorf("data connection: %w", err)
	}
	defer dc.Close()
	return ftpRetrieve(c, dc, t)
}

// ftpStep sends one command and reads its reply.
func ftpStep(c *conn, format string, args ...any) (string, string, error) {
	if err := c.cmd(format, args...); err != nil {
		return "", "", err
	}
	return smtpReply(c)
}

// ftpPassive is the control conversation up to PASV: it returns the
// data port of the 227 reply.
func ftpPassive(c *conn, t Target) (int, error) {
	code, text, err := smtpReply(c)
	if err != nil {
		return 0, fmt.Errorf("greeting: %w", err)
	}
	if code[0] != '2' {
		return 0, errors.New("greeting: " + short(text))
	}
	login, passwd := t.Login, t.Passwd
	if login == "" {
		login, passwd = "anonymous", "ldirectord@localhost"
	}
	// Statuses are ignored, as Net::FTP's callers in ldirectord do.
	if code, _, err = ftpStep(c, "USER %s", login); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	if code[0] == '3' {
		if _, _, err = ftpStep(c, "PASS %s", passwd); err != nil {
			return 0, fmt.Errorf("login: %w", err)
		}
	}
	for _, cmd := range []string{"CWD /", "TYPE I"} {
		if _, _, err = ftpStep(c, "%s", cmd); err != nil {
			return 0, fmt.Errorf("%s: %w", cmd, err)
		}
	}
	code, text, err = ftpStep(c, "PASV")
	if err != nil {
		return 0, fmt.Errorf("PASV: %w", err)
	}
	return ftpPasvPort(code, text)
}

// ftpPasvPort is the port of a 227 reply; its address is not used.
func ftpPasvPort(code, text string) (int, error) {
	m := pasvRe.FindStringSubmatch(text)
	if code != "227" || m == nil {
		return 0, errors.New("PASV: " + short(text))
	}
	p1, _ := strconv.Atoi(m[5])
	p2, _ := strconv.Atoi(m[6])
	if p1 > 255 || p2 > 255 {
		return 0, errors.New("PASV: bad port in " + short(text))
	}
	return p1<<8 | p2, nil
}

// ftpRetrieve asks for the request over c and reads it from dc.
func ftpRetrieve(c, dc *conn, t Target) ([]byte, error) {
	code, text, err := ftpStep(c, "RETR %s", t.Request)
	if err != nil {
		return nil, fmt.Errorf("RETR: %w", err)
	}
	if code[0] != '1' && code[0] != '2' {
		return nil, errors.New("RETR: " + short(text))
	}
	data, err := io.ReadAll(io.LimitReader(dc.r, maxBody))
	if err != nil {
		return data, fmt.Errorf("RETR data: %w", err)
	}
	_ = dc.Close()
	if code[0] == '1' {
		if code, text, err = smtpReply(c); err != nil {
			return data, fmt.Errorf("RETR: %w", err)
		}
		if code[0] != '2' {
			return data, errors.New("RETR: " + short(text))
		}
	}
	_ = c.cmd("QUIT")
	return data, nil
}
