package checks

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// dnsAnswer builds a reply to query q with one record of type typ.
func dnsAnswer(q []byte, typ uint16, rdata []byte, tc bool) []byte {
	m := append([]byte(nil), q...)
	m[2] |= 0x80 // QR
	if tc {
		m[2] |= 0x02
	}
	binary.BigEndian.PutUint16(m[6:], 1)
	m = append(m, 0xc0, 12) // name: pointer to the question
	m = binary.BigEndian.AppendUint16(m, typ)
	m = append(m, 0, 1, 0, 0, 0, 60)
	m = binary.BigEndian.AppendUint16(m, uint16(len(rdata)))
	return append(m, rdata...)
}

func qtype(q []byte) uint16 { return binary.BigEndian.Uint16(q[len(q)-4:]) }

func dnsReply(q []byte, tc bool) []byte {
	if qtype(q) == dnsTypePTR {
		// host.example. with a compression pointer-free encoding
		return dnsAnswer(q, dnsTypePTR, []byte("\x04host\x07example\x00"), tc)
	}
	return dnsAnswer(q, dnsTypeA, []byte{192, 0, 2, 10}, tc)
}

func dnsServers(t *testing.T, truncate bool) uint16 {
	t.Helper()
	var port uint16
	var pc net.PacketConn
	for range 20 { // same port for UDP and TCP
		port = serve(t, func(c net.Conn) {
			var l [2]byte
			if _, err := io.ReadFull(c, l[:]); err != nil {
				return
			}
			q := make([]byte, binary.BigEndian.Uint16(l[:]))
			if _, err := io.ReadFull(c, q); err != nil {
				return
			}
			a := dnsReply(q, false)
			_, _ = c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(a))), a...))
		})
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:"+itoa(port)); err == nil {
			break
		}
	}
	if pc == nil {
		t.Fatal("no common port")
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			// A stray answer with the wrong id first: must be ignored.
			bad := dnsReply(buf[:n], false)
			bad[0]++
			_, _ = pc.WriteTo(bad, from)
			_, _ = pc.WriteTo(dnsReply(buf[:n], truncate), from)
		}
	}()
	return port
}

func TestDNS(t *testing.T) {
	port := dnsServers(t, false)
	tg := target("dns", port)
	tg.Protocol, tg.Request, tg.Receive = "udp", "/www.example.com", `^192\.0\.2\.10$`
	wantUp(t, check(t, DNS{}, tg))
	tg.Receive = "^10.0.0.1$"
	wantDown(t, check(t, DNS{}, tg))
	tg.Receive = "" // an empty receive never matches
	wantDown(t, check(t, DNS{}, tg))

	tg.Request, tg.Receive = "/192.0.2.10", "^host.example$"
	wantUp(t, check(t, DNS{}, tg))

	tg.Protocol, tg.Request, tg.Receive = "tcp", "www.example.com", "192.0.2.10"
	wantUp(t, check(t, DNS{}, tg))

	// Truncated over UDP: retried over TCP.
	tg = target("dns", dnsServers(t, true))
	tg.Protocol, tg.Request, tg.Receive = "udp", "/www.example.com", "192.0.2.10"
	wantUp(t, check(t, DNS{}, tg))
}

func TestDNSFailures(t *testing.T) {
	tg := target("dns", 0)
	tg.Request, tg.Receive, tg.NegotiateTimeout = "/x.example", ".", 300*time.Millisecond
	// UDP black hole: nobody answers.
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer pc.Close()
	tg.Protocol, tg.RealPort = "udp", uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	r := check(t, DNS{}, tg)
	wantDown(t, r)
	if !r.Timeout {
		t.Errorf("black hole: %+v", r)
	}
	// TCP garbage and closed port.
	tg.Protocol, tg.RealPort = "tcp", serve(t, func(c net.Conn) { _, _ = c.Write([]byte{0, 3, 1, 2, 3}) })
	wantDown(t, check(t, DNS{}, tg))
	tg.RealPort = closedPort(t)
	wantDown(t, check(t, DNS{}, tg))
}

func TestDNSNameLoop(t *testing.T) {
	m := []byte{0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12}
	if _, err := dnsAnswers(m, 1); err == nil {
		t.Fatal("a compression loop must be an error")
	}
	if n, q := dnsQuestion("2001:db8::1"); q != dnsTypePTR || n[:4] != "1.0." || n[len(n)-9:] != ".ip6.arpa" {
		t.Errorf("ip6 question %q", n)
	}
}
