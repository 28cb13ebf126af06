package checks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// HTTP is negotiate for http, https and http_proxy (check_http, LWP).
//
// Up iff the final response is 2xx and, when receive is set, its body
// matches. Redirects are followed (7 at most, LWP's limit; LWP drops the
// explicit Host header on a redirect, so does this) as long as they stay
// on the real: see redirectHost. An https chain must verify against the
// system trust store but the host name is not checked (unless
// Security.VerifyHost). A check that runs out of time is Unchanged, as
// check_http means it to be; the director counts it down, as Debian's
// ldirectord ends up doing (docs/compat.md).
//
// It speaks HTTP/1.1 over a connection of its own, one per request, so
// nothing (no pooled connection, no transport goroutine) survives a check.
type HTTP struct{}

func (HTTP) String() string { return "negotiate:http" }

// maxRedirects is LWP::UserAgent's default max_redirect.
const maxRedirects = 7

// URL is the URL an HTTP check requests (ld_setup, L2316): the request
// verbatim if it holds an absolute URL, else SCHEME://RIP:CHECKPORT/REQUEST.
func (t *Target) URL() string {
	scheme := t.Service
	if scheme == "http_proxy" || scheme == "" {
		scheme = "http"
	}
	uri := t.request()
	if strings.Contains(t.Request, scheme+"://") || t.Service == "http_proxy" && strings.Contains(uri, "://") {
		return uri
	}
	return fmt.Sprintf("%s://%s:%d/%s", scheme, t.realHost(), t.Port(), uri)
}

func (HTTP) Check(ctx context.Context, t Target) Result {
	return t.run(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		r := httpCheck(ctx, t)
		if !r.Up && timedOut(ctx, r.Err) {
			// check_http: when the alarm fires there is no response and
			// service_set is not called.
			r.Unchanged, r.Timeout = true, true
			r.Reason = "timeout: " + r.Reason
		}
		return r
	})
}

func httpCheck(ctx context.Context, t Target) Result {
	match, err := matcher(t.Receive)
	if err != nil {
		return down("bad receive", err)
	}
	method := strings.ToUpper(t.HTTPMethod)
	if method == "" {
		method = http.MethodGet
	}
	first, err := url.Parse(t.URL())
	if err != nil {
		return down("bad url", fmt.Errorf("http check: %w", err))
	}
	u, to := first, first.Hostname()
	// Without virtualhost the Host header is the bare real address.
	host := t.VirtualHost
	if host == "" {
		host = t.realHost()
	}
	for hop := 0; ; hop++ {
		rep, err := httpDo(ctx, t, method, u, host, to)
		if err != nil {
			return fail(method+" "+short(u.String()), err)
		}
		if isRedirect(rep.code) && rep.location != "" && hop < maxRedirects {
			next, err := u.Parse(rep.location)
			if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
				return down(rep.status+": bad redirect "+short(rep.location), fmt.Errorf("http check: redirect to %q", short(rep.location)))
			}
			if to, err = t.redirectHost(first, next); err != nil {
				return down(rep.status+": redirect to "+short(next.String())+" not followed: "+err.Error(), fmt.Errorf("http check: %w", err))
			}
			if rep.code == http.StatusSeeOther && method != http.MethodHead {
				method = http.MethodGet
			}
			u, host = next, ""
			continue
		}
		if rep.code < 200 || rep.code > 299 {
			return down(rep.status, fmt.Errorf("http check: %s %s: %s", method, short(u.String()), rep.status))
		}
		// HEAD has no body, so any receive string that needs text fails.
		if t.Receive != "" && !match(rep.body) {
			return down(rep.status+": receive string not matched", errors.New("http check: receive string not matched"))
		}
		return up(rep.status)
	}
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// errOtherHost refuses a redirect that leaves the real.
var errOtherHost = errors.New("another host than the real")

// redirectHost is where a redirect to next is followed, or errOtherHost.
// A check judges the real, never another server, and a real must not be
// able to point the director's checks anywhere: a redirect is followed
// only to the real's own address, or to the virtualhost name, which is
// then asked of the real's address too (with that name as Host, as LWP
// sends), or to the host of a request written as an absolute URL (first).
// For http_proxy every request goes to the real, the proxy, anyway.
func (t *Target) redirectHost(first, next *url.URL) (string, error) {
	h := next.Hostname()
	real := t.RealAddr.Unmap().String()
	if a, err := netip.ParseAddr(h); err == nil && a.Unmap().WithZone("") == t.RealAddr.Unmap().WithZone("") {
		return real, nil
	}
	vh := t.VirtualHost
	if n, _, err := net.SplitHostPort(vh); err == nil {
		vh = n
	}
	switch {
	case vh != "" && strings.EqualFold(h, strings.Trim(vh, "[]")):
		return real, nil
	case strings.EqualFold(h, first.Hostname()):
		return h, nil
	case t.Service == "http_proxy":
		return h, nil
	}
	return "", errOtherHost
}

// httpReply is what the check looks at in a response.
type httpReply struct {
	code     int
	status   string // "200 OK", shortened
	location string // the Location header
	body     string // at most maxBody bytes
}

// httpDo performs one request on a fresh connection to host to (the
// URL's port) and reads at most maxBody bytes of the body.
func httpDo(ctx context.Context, t Target, method string, u *url.URL, host, to string) (httpReply, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return httpReply{}, err
	}
	req.Host = host
	req.Close = true
	req.Header.Set("User-Agent", "lvsctl-check")

	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	addr := net.JoinHostPort(to, port)
	proxy := t.Service == "http_proxy"
	if proxy {
		// The real is the proxy; the URL goes to it verbatim.
		addr = t.Addr()
		req.Host = ""
	}
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return httpReply{}, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = c.Close() }()
	if u.Scheme == "https" && !proxy {
		name := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		if name == "" {
			name = u.Hostname()
		}
		tc, err := startTLS(ctx, c, t.tlsPeerFor(tlsVerifyChain, strings.Trim(name, "[]")))
		if err != nil {
			return httpReply{}, err
		}
		c = tc
		defer func() { _ = tc.Close() }()
	}
	w := bufio.NewWriter(c)
	if proxy {
		err = req.WriteProxy(w)
	} else {
		err = req.Write(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return httpReply{}, fmt.Errorf("send request: %w", err)
	}
	rep, bodyErr, err := readHTTPReply(c, req)
	if err != nil {
		return httpReply{}, err
	}
	if bodyErr != nil && timedOut(ctx, bodyErr) {
		return httpReply{}, fmt.Errorf("read body: %w", bodyErr)
	}
	// Other body errors keep what arrived, as LWP keeps partial content.
	return rep, nil
}

// errHeaderTooLong refuses a response whose status line and headers take
// more than maxHeader bytes.
var errHeaderTooLong = fmt.Errorf("response header longer than %d KiB: refused", maxHeader>>10)

// readHTTPReply reads the response to req: the status line and headers
// in at most maxHeader bytes, then at most maxBody bytes of body. An
// error reading the body is returned apart, with what arrived.
func readHTTPReply(c *conn, req *http.Request) (httpReply, error, error) {
	c.limit(maxHeader, errHeaderTooLong)
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		return httpReply{}, nil, fmt.Errorf("read response: %w", err)
	}
	defer resp.Body.Close()
	c.limit(maxRead, errSessionTooLong)
	b, bodyErr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	rep := httpReply{code: resp.StatusCode, status: short(resp.Status), location: resp.Header.Get("Location"), body: string(b)}
	return rep, bodyErr, nil
}
