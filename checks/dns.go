package checks

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// DNS is negotiate with service=dns (check_dns, Net::DNS): query the real
// as the only name server for the request (an A query, or PTR when the
// request is an IP address), over TCP if the virtual is TCP, else UDP with
// TCP retry on truncation. Up iff an A address or PTR name of the answer
// matches receive; an empty receive never matches.
type DNS struct{}

func (DNS) String() string { return "negotiate:dns" }

const (
	dnsTypeA   = 1
	dnsTypePTR = 12
)

func (DNS) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		match, err := matcher(t.Receive)
		if err != nil {
			return down("bad receive", err)
		}
		name, qtype := dnsQuestion(t.request())
		q, id, err := dnsQuery(name, qtype)
		if err != nil {
			return down("bad request", err)
		}
		var resp []byte
		if t.protocol() == "tcp" {
			resp, err = dnsTCP(ctx, t.Addr(), q)
		} else {
			resp, err = dnsUDP(ctx, t.Addr(), q, id)
			if err == nil && resp[2]&0x02 != 0 {
				resp, err = dnsTCP(ctx, t.Addr(), q)
			}
		}
		if err != nil {
			return fail("dns query "+name, err)
		}
		answers, err := dnsAnswers(resp, id)
		if err != nil {
			return fail("dns answer", err)
		}
		if len(answers) == 0 {
			return down("no answer", errors.New("dns: no answer"))
		}
		for _, a := range answers {
			if t.Receive != "" && match(a) {
				return up("answer " + a + " matched")
			}
		}
		return down("response mismatch: "+clip(strings.Join(answers, " "), 200), errors.New("dns: response mismatch"))
	})
}

// dnsQuestion turns the request into a query name and type: addresses are
// looked up in in-addr.arpa/ip6.arpa, like Net::DNS does.
func dnsQuestion(req string) (string, uint16) {
	a, err := netip.ParseAddr(req)
	if err != nil {
		return strings.TrimSuffix(req, "."), dnsTypeA
	}
	a = a.Unmap()
	var labels []string
	b := a.AsSlice()
	if a.Is4() {
		for i := len(b) - 1; i >= 0; i-- {
			labels = append(labels, fmt.Sprint(b[i]))
		}
		return strings.Join(labels, ".") + ".in-addr.arpa", dnsTypePTR
	}
	for i := len(b) - 1; i >= 0; i-- {
		labels = append(labels, fmt.Sprintf("%x.%x", b[i]&0xf, b[i]>>4))
	}
	return strings.Join(labels, ".") + ".ip6.arpa", dnsTypePTR
}

func dnsQuery(name string, qtype uint16) ([]byte, uint16, error) {
	id := uint16(rand.Uint32())
	m := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(m[0:], id)
	binary.BigEndian.PutUint16(m[2:], 0x0100) // recursion desired
	binary.BigEndian.PutUint16(m[4:], 1)
	if name != "" {
		for _, l := range strings.Split(name, ".") {
			if l == "" || len(l) > 63 {
				return nil, 0, fmt.Errorf("dns: bad name %q", name)
			}
			m = append(m, byte(len(l)))
			m = append(m, l...)
		}
	}
	if len(m) > 12+255 {
		return nil, 0, fmt.Errorf("dns: name too long %q", name)
	}
	m = append(m, 0, 0, 0, 0, 1) // root, type, class IN
	binary.BigEndian.PutUint16(m[len(m)-4:], qtype)
	return m, id, nil
}

// dnsUDP sends q and waits for the answer with the same id, resending
// every second as a resolver does.
func dnsUDP(ctx context.Context, addr string, q []byte, id uint16) ([]byte, error) {
	c, err := dial(ctx, "udp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	buf := make([]byte, 65535)
	for {
		if _, err := c.Write(q); err != nil {
			return nil, err
		}
		resend := time.Now().Add(time.Second)
		if dl, ok := ctx.Deadline(); ok && dl.Before(resend) {
			resend = dl
		}
		_ = c.SetReadDeadline(resend)
		for {
			n, err := c.Conn.Read(buf)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if isTimeout(err) {
					break
				}
				return nil, err
			}
			if n >= 12 && binary.BigEndian.Uint16(buf) == id && buf[2]&0x80 != 0 {
				return buf[:n], nil
			}
		}
	}
}

func dnsTCP(ctx context.Context, addr string, q []byte) ([]byte, error) {
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	msg := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
	if _, err := c.Write(append(msg, q...)); err != nil {
		return nil, err
	}
	var l [2]byte
	if _, err := io.ReadFull(c.r, l[:]); err != nil {
		return nil, err
	}
	resp := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c.r, resp); err != nil {
		return nil, err
	}
	if len(resp) < 12 {
		return nil, errors.New("short message")
	}
	return resp, nil
}

// dnsAnswers returns the A addresses and PTR names of the answer section.
func dnsAnswers(m []byte, id uint16) ([]string, error) {
	if len(m) < 12 || binary.BigEndian.Uint16(m) != id || m[2]&0x80 == 0 {
		return nil, errors.New("not an answer to our query")
	}
	if rcode := m[3] & 0x0f; rcode != 0 {
		return nil, fmt.Errorf("rcode %d", rcode)
	}
	qd, an := int(binary.BigEndian.Uint16(m[4:])), int(binary.BigEndian.Uint16(m[6:]))
	off := 12
	for range qd {
		_, n, err := dnsName(m, off)
		if err != nil {
			return nil, err
		}
		off = n + 4
	}
	var out []string
	for range an {
		_, n, err := dnsName(m, off)
		if err != nil {
			return nil, err
		}
		if n+10 > len(m) {
			return nil, errors.New("truncated record")
		}
		typ := binary.BigEndian.Uint16(m[n:])
		rdl := int(binary.BigEndian.Uint16(m[n+8:]))
		rd := n + 10
		if rd+rdl > len(m) {
			return nil, errors.New("truncated record")
		}
		switch {
		case typ == dnsTypeA && rdl == 4:
			out = append(out, netip.AddrFrom4([4]byte(m[rd:rd+4])).String())
		case typ == dnsTypePTR:
			name, _, err := dnsName(m, rd)
			if err != nil {
				return nil, err
			}
			out = append(out, name)
		}
		off = rd + rdl
	}
	return out, nil
}

// maxDNSName is the longest name DNS allows (RFC 1035 §3.1: 255 bytes
// in wire form, which is its length as text without the final dot).
const maxDNSName = 255

// dnsName reads a possibly compressed name at off; it returns the name
// without the trailing dot (as Net::DNS prints it) and the offset after it.
func dnsName(m []byte, off int) (string, int, error) {
	var labels []string
	end, size := -1, 0
	for jumps := 0; ; {
		if off >= len(m) {
			return "", 0, errors.New("truncated name")
		}
		l := int(m[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, "."), end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(m) {
				return "", 0, errors.New("truncated name")
			}
			if jumps++; jumps > 64 {
				return "", 0, errors.New("name compression loop")
			}
			if end < 0 {
				end = off + 2
			}
			off = int(binary.BigEndian.Uint16(m[off:]) & 0x3fff)
		case l&0xc0 != 0:
			return "", 0, errors.New("bad label")
		default:
			if off+1+l > len(m) {
				return "", 0, errors.New("truncated name")
			}
			if size += 1 + l; size > maxDNSName {
				return "", 0, errors.New("name longer than 255 bytes")
			}
			labels = append(labels, string(m[off+1:off+1+l]))
			off += 1 + l
		}
	}
}
