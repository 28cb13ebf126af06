package checks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
)

// Radius is negotiate with service=radius (check_radius, Authen::Radius
// check_pwd): one Access-Request with User-Name, User-Password and
// NAS-IP-Address, signed with secret. Up iff an authentic Access-Accept
// comes back.
//
// A reject is down, though a reading of ldirectord's check_radius alone
// suggests up: check_pwd returns Perl's false value "" for an
// Access-Reject, and check_radius takes "" as down. Verified with Debian's
// libauthen-radius-perl against a server answering Access-Reject: result
// "" (down).
type Radius struct{}

func (Radius) String() string { return "negotiate:radius" }

const (
	radAccessRequest   = 1
	radAccessAccept    = 2
	radAccessReject    = 3
	radAccessChallenge = 11
	radUserName        = 1
	radUserPassword    = 2
	radNASIPAddress    = 4
	radMessageAuth     = 80
)

func (Radius) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		c, err := dial(ctx, "udp", t.Addr())
		if err != nil {
			return fail("connect "+t.Addr(), err)
		}
		defer c.Close()
		nas := net.IPv4(127, 0, 0, 1).To4()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
			nas = a.IP.To4()
		}
		pkt, id, auth, err := radiusRequest(t.Login, t.Passwd, t.Secret, nas)
		if err != nil {
			return down("bad request", err)
		}
		if _, err := c.Write(pkt); err != nil {
			return fail("send Access-Request", err)
		}
		buf := make([]byte, 4096)
		for {
			n, err := c.Conn.Read(buf)
			if err != nil {
				return fail("Access-Request", err)
			}
			code, err := radiusReply(buf[:n], id, auth, t.Secret)
			if errors.Is(err, errRadiusAuth) {
				return down("bad response authenticator (wrong secret?)", err)
			}
			if err != nil {
				// A stray datagram: keep waiting for ours.
				continue
			}
			switch code {
			case radAccessAccept:
				return up("Access-Accept")
			case radAccessReject:
				return down("Access-Reject", errors.New("radius: Access-Reject"))
			default:
				return down(fmt.Sprintf("reply code %d", code), fmt.Errorf("radius: reply code %d", code))
			}
		}
	})
}

// radiusRequest builds an Access-Request (RFC 2865) with a
// Message-Authenticator (RFC 3579), which current servers require.
func radiusRequest(user, pass, secret string, nas net.IP) ([]byte, byte, []byte, error) {
	var hdr [20]byte
	if _, err := rand.Read(hdr[1:20]); err != nil {
		return nil, 0, nil, fmt.Errorf("radius: random: %w", err)
	}
	id, auth := hdr[1], bytes.Clone(hdr[4:20])
	hdr[0] = radAccessRequest
	pkt := hdr[:]
	attr := func(typ byte, v []byte) {
		pkt = append(pkt, typ, byte(len(v)+2))
		pkt = append(pkt, v...)
	}
	if len(user) > 253 || len(pass) > 128 {
		return nil, 0, nil, errors.New("radius: login or password too long")
	}
	attr(radUserName, []byte(user))
	attr(radUserPassword, radiusHidePassword(pass, secret, auth))
	attr(radNASIPAddress, nas)
	attr(radMessageAuth, make([]byte, 16))
	binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(pkt)
	copy(pkt[len(pkt)-16:], mac.Sum(nil))
	return pkt, id, auth, nil
}

// radiusHidePassword is the User-Password obfuscation of RFC 2865,
// section 5.2.
func radiusHidePassword(pass, secret string, auth []byte) []byte {
	p := []byte(pass)
	if len(p) == 0 || len(p)%16 != 0 {
		p = append(p, make([]byte, 16-len(p)%16)...)
	}
	out := make([]byte, len(p))
	prev := auth
	for i := 0; i < len(p); i += 16 {
		h := md5.Sum(append([]byte(secret), prev...))
		for j := range 16 {
			out[i+j] = p[i+j] ^ h[j]
		}
		prev = out[i : i+16]
	}
	return out
}

var errRadiusAuth = errors.New("radius: bad response authenticator")

// radiusReply checks that b answers our request and returns its code.
func radiusReply(b []byte, id byte, reqAuth []byte, secret string) (byte, error) {
	if len(b) < 20 {
		return 0, errors.New("short reply")
	}
	l := int(binary.BigEndian.Uint16(b[2:]))
	if l < 20 || l > len(b) {
		return 0, errors.New("bad length")
	}
	b = b[:l]
	if b[1] != id {
		return 0, errors.New("other id")
	}
	h := md5.New()
	h.Write(b[:4])
	h.Write(reqAuth)
	h.Write(b[20:])
	h.Write([]byte(secret))
	if !hmac.Equal(h.Sum(nil), b[4:20]) {
		return 0, errRadiusAuth
	}
	return b[0], nil
}
