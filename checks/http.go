package checks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// HTTP is negotiate for http, https and http_proxy (check_http, LWP).
//
// Up iff the final response is 2xx and, when receive is set, its body
// matches. Redirects are followed (7 at most, LWP's limit; LWP drops the
// explicit Host header on a redirect, so does this). An https chain must
// verify against the system trust store but the host name is not checked.
// A check that runs out of time leaves the real's state unchanged.
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
	return timed(ctx, t.serviceTimeout(), func(ctx context.Context) Result {
		r := httpCheck(ctx, t)
		if !r.Up && timedOut(ctx, r.Err) {
			// check_http: when the alarm fires there is no response and
			// service_set is not called.
			r.Unchanged, r.Timeout = true, true
			r.Reason = "timeout (state unchanged): " + r.Reason
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
	u, err := url.Parse(t.URL())
	if err != nil {
		return down("bad url", fmt.Errorf("http check: %w", err))
	}
	// Without virtualhost the Host header is the bare real address.
	host := t.VirtualHost
	if host == "" {
		host = t.realHost()
	}
	for hop := 0; ; hop++ {
		resp, body, err := httpDo(ctx, t, method, u, host)
		if err != nil {
			return fail(method+" "+u.String(), err)
		}
		if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" && hop < maxRedirects {
			next, err := u.Parse(loc)
			if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
				return down(resp.Status+": bad redirect "+loc, fmt.Errorf("http check: redirect to %q", loc))
			}
			if resp.StatusCode == http.StatusSeeOther && method != http.MethodHead {
				method = http.MethodGet
			}
			u, host = next, ""
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return down(resp.Status, fmt.Errorf("http check: %s %s: %s", method, u, resp.Status))
		}
		// HEAD has no body, so any receive string that needs text fails.
		if t.Receive != "" && !match(body) {
			return down(resp.Status+": receive string not matched", errors.New("http check: receive string not matched"))
		}
		return up(resp.Status)
	}
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// httpDo performs one request on a fresh connection and reads at most
// maxBody bytes of the body.
func httpDo(ctx context.Context, t Target, method string, u *url.URL, host string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, "", err
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
	addr := net.JoinHostPort(u.Hostname(), port)
	proxy := t.Service == "http_proxy"
	if proxy {
		// The real is the proxy; the URL goes to it verbatim.
		addr = t.Addr()
		req.Host = ""
	}
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = c.Close() }()
	if u.Scheme == "https" && !proxy {
		sni := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			sni = h
		}
		if sni == "" {
			sni = u.Hostname()
		}
		tc, err := startTLS(ctx, c, tlsVerifyChain, strings.Trim(sni, "[]"), "")
		if err != nil {
			return nil, "", err
		}
		c = tc
		defer func() { _ = tc.Close() }()
	}
	w := bufio.NewWriter(c.Conn)
	if proxy {
		err = req.WriteProxy(w)
	} else {
		err = req.Write(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, "", fmt.Errorf("send request: %w", err)
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		return nil, "", fmt.Errorf("read response: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil && timedOut(ctx, err) {
		return nil, "", fmt.Errorf("read body: %w", err)
	}
	// Other body errors keep what arrived, as LWP keeps partial content.
	return resp, string(b), nil
}
