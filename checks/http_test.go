package checks

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpServer serves h on loopback (over TLS with cert if given).
func httpServer(t *testing.T, cert *tls.Certificate, h http.HandlerFunc) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
	t.Cleanup(func() { srv.Close() })
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

func TestHTTP(t *testing.T) {
	var mu sync.Mutex
	var lastHost string
	port := httpServer(t, nil, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastHost = r.Host
		mu.Unlock()
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, "all is well\n")
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/error":
			http.Error(w, "broken", 500)
		case "/slow":
			time.Sleep(500 * time.Millisecond)
			fmt.Fprint(w, "late")
		default:
			http.NotFound(w, r)
		}
	})
	host := func() string { mu.Lock(); defer mu.Unlock(); return lastHost }
	tg := target("http", port)

	tg.Request, tg.Receive = "/ok", "well$"
	wantUp(t, check(t, HTTP{}, tg))
	if host() != "127.0.0.1" {
		t.Errorf("Host without virtualhost = %q, want the bare real IP", host())
	}
	tg.VirtualHost = "www.example.com"
	wantUp(t, check(t, HTTP{}, tg))
	if host() != "www.example.com" {
		t.Errorf("Host = %q, want virtualhost", host())
	}
	tg.VirtualHost = ""

	tg.Receive = "^sick"
	wantDown(t, check(t, HTTP{}, tg))

	tg.Request, tg.Receive = "/redirect", "well"
	wantUp(t, check(t, HTTP{}, tg))
	tg.Request, tg.Receive = "/loop", ""
	wantDown(t, check(t, HTTP{}, tg))

	tg.Request = "/missing"
	r := check(t, HTTP{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "404") {
		t.Errorf("reason %q", r.Reason)
	}
	tg.Request = "/error"
	wantDown(t, check(t, HTTP{}, tg))

	// HEAD: status only; a receive string cannot match an empty body.
	tg.HTTPMethod, tg.Request, tg.Receive = "HEAD", "/ok", ""
	wantUp(t, check(t, HTTP{}, tg))
	tg.Receive = "well"
	wantDown(t, check(t, HTTP{}, tg))
	tg.HTTPMethod = "GET"

	// A timeout leaves the state unchanged (and is not "up").
	tg.Request, tg.Receive, tg.NegotiateTimeout = "/slow", "", 200*time.Millisecond
	r = check(t, HTTP{}, tg)
	if r.Up || !r.Unchanged || !r.Timeout {
		t.Errorf("slow answer: %+v", r)
	}

	// A refused connection is a real answer: down, not unchanged.
	tg.RealPort = closedPort(t)
	wantDown(t, check(t, HTTP{}, tg))
}

func TestHTTPBlackHoleGarbageStream(t *testing.T) {
	tg := target("http", blackHole(t))
	tg.NegotiateTimeout = 200 * time.Millisecond
	if r := check(t, HTTP{}, tg); r.Up || !r.Unchanged {
		t.Errorf("black hole: %+v", r)
	}
	tg = target("http", serve(t, func(c net.Conn) {
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n")
	}))
	wantDown(t, check(t, HTTP{}, tg))

	// An endless body: the check reads a bounded prefix and decides.
	tg = target("http", serve(t, func(c net.Conn) {
		_, _ = bufio.NewReader(c).ReadString('\n')
		streamer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhealthy ")(c)
	}))
	tg.Receive = "^healthy"
	start := time.Now()
	wantUp(t, check(t, HTTP{}, tg))
	tg.Receive = "never there"
	wantDown(t, check(t, HTTP{}, tg))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("endless body took %v", d)
	}
}

func TestHTTPS(t *testing.T) {
	var mu sync.Mutex
	var sni string
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sni = r.TLS.ServerName
		mu.Unlock()
		fmt.Fprint(w, "secure ok")
	}
	// Trusted chain, name not matching 127.0.0.1: up (no host check).
	tg := target("https", httpServer(t, &trustedCert, h))
	tg.Receive = "ok"
	wantUp(t, check(t, HTTP{}, tg))
	tg.VirtualHost = "www.example.com"
	wantUp(t, check(t, HTTP{}, tg))
	mu.Lock()
	if sni != "www.example.com" {
		t.Errorf("SNI = %q, want virtualhost", sni)
	}
	mu.Unlock()
	// Self-signed, untrusted: down with a verify failure.
	tg.RealPort = httpServer(t, &untrustedCert, h)
	r := check(t, HTTP{}, tg)
	wantDown(t, r)
	if !strings.Contains(r.Reason, "certificate verify failed") {
		t.Errorf("reason %q", r.Reason)
	}
}

func TestHTTPProxy(t *testing.T) {
	var mu sync.Mutex
	var uri string
	tg := target("http_proxy", httpServer(t, nil, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uri = r.RequestURI
		mu.Unlock()
		fmt.Fprint(w, "proxied")
	}))
	tg.Request, tg.Receive = "/http://www.example.com/index.html", "proxied"
	wantUp(t, check(t, HTTP{}, tg))
	mu.Lock()
	defer mu.Unlock()
	if uri != "http://www.example.com/index.html" {
		t.Errorf("proxy got %q, want the absolute URL", uri)
	}
}

func TestHTTPURL(t *testing.T) {
	tg := Target{Service: "https", RealAddr: mustAddr("2001:db8::1"), RealPort: 8443, Request: "/health"}
	if u := tg.URL(); u != "https://[2001:db8::1]:8443/health" {
		t.Error(u)
	}
	tg.Request = "/http://other/x" // per-real absolute URL of another scheme is not verbatim
	if u := tg.URL(); u != "https://[2001:db8::1]:8443/http://other/x" {
		t.Error(u)
	}
	tg.Request = "/https://other/x"
	if u := tg.URL(); u != "https://other/x" {
		t.Error(u)
	}
}
