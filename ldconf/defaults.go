package ldconf

import (
	"strconv"
	"strings"
	"time"
)

// Fallbacks of the timeouts when nothing sets them (ldirectord's
// DEFAULT_CHECKTIMEOUT and DEFAULT_NEGOTIATETIMEOUT).
const (
	DefaultCheckTimeout     = 5 * time.Second
	DefaultNegotiateTimeout = 30 * time.Second
)

// applyDefaults is ldirectord's ld_setup plus the virtual ▸ global
// precedence it applies at run time. It runs once the whole file is read,
// since globals may follow the blocks that use them.
func (p *parser) applyDefaults() {
	g := &p.cfg.Global
	for _, pv := range p.done {
		v := pv.v
		v.CheckTimeout = firstDuration(pv.checkTimeout, pv.negotiateTimeout, nonZero(g.CheckTimeout), nonZero(g.NegotiateTimeout), ptr(DefaultCheckTimeout))
		v.NegotiateTimeout = firstDuration(pv.negotiateTimeout, pv.checkTimeout, nonZero(g.NegotiateTimeout), nonZero(g.CheckTimeout), ptr(DefaultNegotiateTimeout))
		v.CheckCount = pick(pv.checkCount, g.CheckCount)
		v.FailureCount = pick(pv.failureCount, g.FailureCount)
		v.CheckInterval = g.CheckInterval
		if pv.checkInterval != nil {
			if g.Fork {
				v.CheckInterval = *pv.checkInterval
			} else {
				p.warn(0, false, "checkinterval in virtual service %s ignored when fork=no", virtualID(v))
			}
		}
		v.Quiescent = pick(pv.quiescent, g.Quiescent)
		v.CleanStop = pick(pv.cleanStop, g.CleanStop)
		v.FallbackCommand = pick(pv.fallbackCommand, g.FallbackCommand)
		v.EmailAlert = pick(pv.emailAlert, g.EmailAlert)
		v.EmailAlertFreq = pick(pv.emailAlertFreq, g.EmailAlertFreq)
		v.EmailAlertStatus = pick(pv.emailAlertStatus, g.EmailAlertStatus)
		v.SMTP = pick(pv.smtp, g.SMTP)
		p.applySecurity(pv)
		if v.Fallback == nil {
			v.Fallback = globalFallbackFor(v, g)
		}
		for _, r := range v.Reals {
			setupReal(v, r)
		}
	}
}

// globalFallbackFor is fallback_find for a virtual without its own: the
// global one of its family, on the virtual's port when it has none. It
// never applies to firewall marks (ldirectord builds "-r :0", which
// ipvsadm refuses).
func globalFallbackFor(v *Virtual, g *Global) *Fallback {
	gf := g.Fallback
	if v.Family == IPv6 {
		gf = g.Fallback6
	}
	if gf == nil || v.Protocol == FWM {
		return nil
	}
	fb := &Fallback{Line: gf.Line, Address: gf.Address, Port: v.Port, Forward: gf.Forward, Global: true}
	if gf.HasPort {
		fb.Port = gf.PortTCP
		if v.Protocol == UDP {
			fb.Port = gf.PortUDP
		}
	}
	return fb
}

// setupReal computes a real's effective check settings (ld_setup and
// ld_checkport).
func setupReal(v *Virtual, r *Real) {
	switch {
	case v.CheckPort != 0:
		r.CheckPort = v.CheckPort
	case r.Port > 0:
		r.CheckPort = r.Port
	default:
		r.CheckPort = v.Service.Port()
	}
	scheme := v.Service.String()
	if v.Service == ServiceHTTPProxy {
		scheme = "http"
	}
	host := r.Address.String()
	if r.Address.Is6() {
		host = "[" + host + "]"
	}
	port := ""
	if r.CheckPort != 0 {
		port = strconv.Itoa(int(r.CheckPort))
	}
	base := scheme + "://" + host + ":" + port + "/"
	if r.OwnCheck {
		uri := strings.TrimPrefix(r.Request, "/")
		if strings.Contains(r.Request, scheme+"://") {
			r.URL = uri
		} else {
			r.URL = base + uri
		}
		return
	}
	uri := strings.TrimPrefix(v.Request, "/")
	if v.Service == ServiceHTTPProxy {
		r.URL = uri
	} else {
		r.URL = base + uri
	}
	r.Request, r.Receive = v.Request, v.Receive
}

func pick[T any](own *T, global T) T {
	if own != nil {
		return *own
	}
	return global
}

func firstDuration(ds ...*time.Duration) time.Duration {
	for _, d := range ds {
		if d != nil {
			return *d
		}
	}
	return 0
}

// nonZero turns an unset (zero) global timeout into "not given".
func nonZero(d time.Duration) *time.Duration {
	if d == 0 {
		return nil
	}
	return &d
}

func ptr[T any](v T) *T { return &v }
