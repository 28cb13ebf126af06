package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/lvsctl/lvsctl/internal/secret"
)

// redactHandler is GoBGP's log handler: it replaces the peers' passwords
// wherever they would appear in a record (message, values, and values
// that GoBGP formats from its own structures), so that no log line holds
// one whatever GoBGP chooses to log.
type redactHandler struct {
	next    slog.Handler
	secrets *atomic.Pointer[[]string]
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	secrets := *h.secrets.Load()
	if len(secrets) == 0 {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message, secrets), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a, secrets))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	secrets := *h.secrets.Load()
	rs := make([]slog.Attr, len(as))
	for i, a := range as {
		rs[i] = redactAttr(a, secrets)
	}
	return &redactHandler{next: h.next.WithAttrs(rs), secrets: h.secrets}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

func redactAttr(a slog.Attr, secrets []string) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String(), secrets))
	case slog.KindGroup:
		g := v.Group()
		rs := make([]slog.Attr, len(g))
		for i, x := range g {
			rs[i] = redactAttr(x, secrets)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(rs...)}
	case slog.KindAny:
		// The text handler prints these with %+v; so does this check.
		if s := fmt.Sprintf("%+v", v.Any()); s != redact(s, secrets) {
			return slog.String(a.Key, redact(s, secrets))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func redact(s string, secrets []string) string {
	for _, x := range secrets {
		if x != "" && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, secret.Redacted)
		}
	}
	return s
}

// passwords lists the peers' passwords for the handler.
func passwords(c *Config) []string {
	var out []string
	for _, p := range c.Peers {
		if p.Password.IsSet() {
			out = append(out, p.Password.Reveal())
		}
	}
	return out
}
