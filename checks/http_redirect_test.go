package checks

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHTTPRedirectsStayOnTheReal: a redirect is followed to the real's own
// address (another port or scheme included) and to the virtualhost name,
// asked of the real; a redirect to any other host is not followed, and
// the check is down with the redirect as its answer.
func TestHTTPRedirectsStayOnTheReal(t *testing.T) {
	// The other host: 127.0.0.2 is loopback too, so following a redirect
	// there would succeed; it must never be asked.
	var otherAsked atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2: %v", err)
	}
	other := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAsked.Add(1)
		fmt.Fprint(w, "all is well\n")
	})}
	go other.Serve(ln)
	t.Cleanup(func() { other.Close() })
	otherURL := "http://" + ln.Addr().String() + "/ok"

	var mu sync.Mutex
	var hosts []string
	var port uint16
	tlsPort := httpServer(t, &trustedCert, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "all is well over TLS\n") })
	port = httpServer(t, nil, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, "all is well\n")
		case "/to-self":
			http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/ok", port), http.StatusMovedPermanently)
		case "/to-self-https":
			http.Redirect(w, r, fmt.Sprintf("https://127.0.0.1:%d/", tlsPort), http.StatusFound)
		case "/to-vhost":
			http.Redirect(w, r, fmt.Sprintf("http://WWW.example.com:%d/ok", port), http.StatusFound)
		case "/to-other":
			http.Redirect(w, r, otherURL, http.StatusFound)
		case "/to-other-name":
			http.Redirect(w, r, "http://login.example.net/ok", http.StatusTemporaryRedirect)
		}
	})
	seen := func() []string { mu.Lock(); defer mu.Unlock(); h := hosts; hosts = nil; return h }
	tg := target("http", port)
	tg.Receive = "well"

	tg.Request = "/to-self"
	wantUp(t, check(t, HTTP{}, tg))
	tg.Request = "/to-self-https"
	wantUp(t, check(t, HTTP{}, tg))

	// To the virtualhost: asked of the real, with that name as Host.
	tg.VirtualHost, tg.Request = "www.example.com", "/to-vhost"
	seen()
	wantUp(t, check(t, HTTP{}, tg))
	if h := seen(); len(h) != 2 || h[0] != "www.example.com" || h[1] != fmt.Sprintf("WWW.example.com:%d", port) {
		t.Errorf("Host headers %q", h)
	}
	// Without virtualhost that name is another host.
	tg.VirtualHost = ""
	r := check(t, HTTP{}, tg)
	if want := fmt.Sprintf("302 Found: redirect to http://WWW.example.com:%d/ok not followed: another host than the real", port); r.Up || r.Unchanged || r.Reason != want {
		t.Errorf("got %+v\nwant down: %s", r, want)
	}

	tg.Request = "/to-other"
	r = check(t, HTTP{}, tg)
	if want := "302 Found: redirect to " + otherURL + " not followed: another host than the real"; r.Up || r.Unchanged || r.Reason != want {
		t.Errorf("got %+v\nwant down: %s", r, want)
	}
	tg.Request = "/to-other-name"
	r = check(t, HTTP{}, tg)
	if want := "307 Temporary Redirect: redirect to http://login.example.net/ok not followed: another host than the real"; r.Up || r.Reason != want {
		t.Errorf("got %+v\nwant down: %s", r, want)
	}
	if n := otherAsked.Load(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}

	// A request written as an absolute URL may be redirected on its own
	// host; here that host is the other one, and the check follows it
	// there as ldirectord does.
	tg.Request = "/" + otherURL
	tg.Service = "http"
	wantUp(t, check(t, HTTP{}, tg))
	if n := otherAsked.Load(); n != 1 {
		t.Errorf("the absolute URL's host was asked %d times, want 1", n)
	}
}

// TestHTTPProxyRedirects: through http_proxy every request goes to the
// proxy, so redirects to any host are followed (through it).
func TestHTTPProxyRedirects(t *testing.T) {
	var mu sync.Mutex
	var uris []string
	tg := target("http_proxy", httpServer(t, nil, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		mu.Unlock()
		if r.URL.Host == "www.example.com" {
			http.Redirect(w, r, "http://other.example.net/x", http.StatusFound)
			return
		}
		fmt.Fprint(w, "proxied")
	}))
	tg.Request, tg.Receive = "/http://www.example.com/index.html", "proxied"
	wantUp(t, check(t, HTTP{}, tg))
	mu.Lock()
	defer mu.Unlock()
	if len(uris) != 2 || uris[1] != "http://other.example.net/x" {
		t.Errorf("proxy asked for %q", uris)
	}
}
