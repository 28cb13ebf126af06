package ldconf

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"
)

// pendingVirtual is a virtual block being read: what ldirectord resolves
// only when the block ends, and which settings the block itself gave
// (nil: inherited from the global ones).
type pendingVirtual struct {
	v        *Virtual
	ipPort   string // "HOST:PORT" as written, "" for a firewall mark
	portText string // PORT as written; "0" for a firewall mark
	reals    []rawReal
	fallback *rawFallback
	sec      pendingSecurity

	checkTimeout     *time.Duration
	negotiateTimeout *time.Duration
	checkCount       *int
	failureCount     *int
	checkInterval    *time.Duration
	quiescent        *bool
	cleanStop        *bool
	fallbackCommand  *string
	emailAlert       *string
	emailAlertFreq   *time.Duration
	emailAlertStatus *AlertStatus
	smtp             *string
	serviceSet       bool
	// schedulerLine is the line of the block's scheduler=, 0 for none.
	schedulerLine int
	// announce is nil when the block has no announce* directive.
	announce *pendingAnnounce
	// broken: its virtual= line or address was refused, so the block is
	// read for its other errors only (LoadAll).
	broken bool
}

type rawReal struct {
	text string // after "real="
	line int
}

type blockHandler func(p *parser, pv *pendingVirtual, t token, name, v string) error

var blockHandlers map[string]blockHandler

// init fills blockHandlers, one row per virtual-block directive: a table, hence its length.
func init() {
	blockHandlers = map[string]blockHandler{
		"real": (*parser).blockReal, "real6": (*parser).blockReal,
		"fallback": (*parser).blockFallback, "fallback6": (*parser).blockFallback,
		"request": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Request, "no request string specified", func(s string) string {
				if !strings.HasPrefix(s, "/") {
					s = "/" + s
				}
				return s
			})
		},
		"receive": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Receive, "invalid receive string", nil)
		},
		"login": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Login, "invalid login string", nil)
		},
		"passwd": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Passwd, "invalid password", nil)
		},
		"database": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Database, "invalid database", nil)
		},
		"secret": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.quotedInto(t, v, &pv.v.Secret, "invalid secret", nil)
		},
		"load": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			q, ok := quoted(v)
			if !ok {
				return p.unknownBlock(t)
			}
			w := reWord.FindString(q)
			if w == "" {
				return p.errorValue(t.line, q, "", "invalid string for load testing")
			}
			pv.v.Load = w
			return nil
		},
		"checktype": (*parser).blockCheckType,
		"checkcommand": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			c := optionallyQuoted(v)
			if c == "" {
				return p.errorf(t.line, "invalid check command")
			}
			pv.v.CheckCommand = c
			return nil
		},
		"checktimeout": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.blockDuration(t, v, &pv.checkTimeout, "invalid check timeout")
		},
		"negotiatetimeout": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.blockDuration(t, v, &pv.negotiateTimeout, "invalid negotiate timeout")
		},
		"checkinterval": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.blockDuration(t, v, &pv.checkInterval, "invalid checkinterval")
		},
		"connecttimeout": func(p *parser, _ *pendingVirtual, t token, _, _ string) error {
			return p.errorf(t.line, "connecttimeout directive deprecated in favour of negotiatetimeout")
		},
		"checkcount": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			n, err := p.count(t, v, "invalid check count")
			if err != nil {
				return err
			}
			c := clampInt(n)
			pv.checkCount = &c
			p.warn(t.line, false, "checkcount option is deprecated and slated for removal.  please see 'failurecount'")
			return nil
		},
		"failurecount": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			n, err := p.count(t, v, "invalid failure count")
			c := clampInt(n)
			pv.failureCount = &c
			return err
		},
		"checkport":  (*parser).blockCheckPort,
		"scheduler":  (*parser).blockScheduler,
		"persistent": (*parser).blockPersistent,
		"schedflags": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			f := reNonSpace.FindString(v)
			if f == "" {
				return p.errorf(t.line, "invalid sched-flags")
			}
			pv.v.SchedFlags = f
			return nil
		},
		"netmask":  (*parser).blockNetmask,
		"protocol": (*parser).blockProtocol,
		"ops": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			b, ok := yesNo(v)
			if !ok {
				return p.errorValue(t.line, v, "", "ops must be 'yes' or 'no'")
			}
			pv.v.OPS = b
			return nil
		},
		"service":    (*parser).blockService,
		"httpmethod": (*parser).blockHTTPMethod,
		"virtualhost": func(p *parser, pv *pendingVirtual, _ token, _, v string) error {
			// /"?([^"]*)"?/ always matches: up to the next quote.
			v = strings.TrimPrefix(v, `"`)
			if i := strings.IndexByte(v, '"'); i >= 0 {
				v = v[:i]
			}
			pv.v.VirtualHost, pv.v.HasVirtualHost = v, true
			return nil
		},
		"tlsverifyhost":  blockTLSVerifyHost,
		"tlsservername":  blockTLSServerName,
		"tlscafile":      blockTLSCAFile,
		"tlsminversion":  blockTLSMinVersion,
		"pgsqlcleartext": blockPgSQLCleartxt,
		"fallbackcommand": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			c := optionallyQuoted(v)
			if c == "" {
				return p.errorf(t.line, "invalid fallback command")
			}
			pv.fallbackCommand = &c
			return nil
		},
		"quiescent": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.blockYesNo(t, v, &pv.quiescent, "quiescent")
		},
		"cleanstop": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			return p.blockYesNo(t, v, &pv.cleanStop, "cleanstop")
		},
		"emailalert": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			a, err := p.emailAlert(t, v)
			pv.emailAlert = &a
			return err
		},
		"emailalertfreq": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			d, err := p.emailAlertFreq(t, v)
			pv.emailAlertFreq = &d
			return err
		},
		"emailalertstatus": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			s, err := p.emailAlertStatus(t, v)
			pv.emailAlertStatus = &s
			return err
		},
		"monitorfile": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			f := optionallyQuoted(v)
			// Perl's two-argument open trims the name; the value is kept as is.
			if err := p.o.FS.OpenAppend(strings.TrimSpace(f)); err != nil {
				return p.errorWrap(t.line, err, "unable to open monitorfile %s: %s", f, errnoText(err))
			}
			pv.v.MonitorFile = f
			return nil
		},
		"smtp": func(p *parser, pv *pendingVirtual, t token, _, v string) error {
			s, err := p.smtp(t, v)
			pv.smtp = &s
			return err
		},
		"servicename": func(p *parser, pv *pendingVirtual, _ token, _, v string) error {
			pv.v.ServiceName = v
			return nil
		},
		"comment": func(p *parser, pv *pendingVirtual, _ token, _, v string) error {
			pv.v.Comment = v
			return nil
		},
	}
	maps.Copy(blockHandlers, announceBlockHandlers)
}

// blockDirective handles one line of a virtual block.
func (p *parser) blockDirective(t token) error {
	m := reDirective.FindStringSubmatch(t.text)
	if m == nil {
		return p.unknownBlock(t)
	}
	h, ok := blockHandlers[m[1]]
	if !ok {
		if err := p.misplacedBGP(t, m[1], true); err != nil {
			return err
		}
		return p.unknownBlock(t)
	}
	return h(p, p.cur, t, m[1], m[2])
}

// unknownBlock quotes the original line, indentation included, secrets
// redacted.
func (p *parser) unknownBlock(t token) error {
	return withText(p.errorf(t.line, "Unknown command \"%s\"", Redact(t.raw)), unknownText(t, true))
}

// wrongFamily is the error for real/real6 and fallback/fallback6 used in
// a block of the other family.
func (p *parser) wrongFamily(pv *pendingVirtual, t token, name string) error {
	base := strings.TrimSuffix(name, "6")
	want := base
	if pv.v.Family == IPv6 {
		want = base + "6"
	}
	if name == want {
		return nil
	}
	return p.errorf(t.line, "cannot specify \"%s\" here.  please use \"%s\" instead", name, want)
}

func (p *parser) blockReal(pv *pendingVirtual, t token, name, v string) error {
	if err := p.wrongFamily(pv, t, name); err != nil {
		return err
	}
	// Checked and resolved when the block ends, as ldirectord does.
	pv.reals = append(pv.reals, rawReal{text: v, line: t.line})
	return nil
}

func (p *parser) blockFallback(pv *pendingVirtual, t token, name, v string) error {
	if err := p.wrongFamily(pv, t, name); err != nil {
		return err
	}
	fb, err := p.parseFallback(t.line, v)
	if err != nil {
		return err
	}
	if !fb.hasPort {
		// The virtual's port as written so far; resolved at the block end.
		fb.port = pv.portText
	}
	pv.fallback = fb
	return nil
}

// quotedInto handles the directives that need double quotes (else
// "Unknown command") and a non-empty value.
func (p *parser) quotedInto(t token, v string, dst *string, emptyMsg string, fix func(string) string) error {
	q, ok := quoted(v)
	if !ok {
		return p.unknownBlock(t)
	}
	if q == "" {
		return p.errorf(t.line, "%s", emptyMsg)
	}
	if fix != nil {
		q = fix(q)
	}
	*dst = q
	return nil
}

func (p *parser) blockDuration(t token, v string, dst **time.Duration, msg string) error {
	n, err := p.count(t, v, msg)
	if err != nil {
		return err
	}
	d := seconds(n)
	*dst = &d
	return nil
}

func (p *parser) blockYesNo(t token, v string, dst **bool, name string) error {
	b, ok := yesNo(v)
	if !ok {
		return p.errorValue(t.line, v, "", "%s must be 'yes' or 'no'", name)
	}
	*dst = &b
	return nil
}

var reCheckTypeWord = regexp.MustCompile(`[\w-]+`)

func (p *parser) blockCheckType(pv *pendingVirtual, t token, _, v string) error {
	// Any digits make it "combined", e.g. checktype=3 (or connect2).
	if d, ok := firstDigits(v); ok {
		pv.v.CheckType, pv.v.NumConnects = CheckCombined, clampInt(digitsValue(d))
		return nil
	}
	w := reCheckTypeWord.FindString(v)
	if i, ok := lookupName(checkTypeNames, w); ok && CheckType(i) != CheckCombined {
		pv.v.CheckType = CheckType(i)
		return nil
	}
	return p.errorValue(t.line, v, didYouMean(w, checkTypeNames[:CheckCombined]), "checktype must be \"connect\", \"negotiate\", \"on\", \"off\", \"ping\", \"external\", \"external-perl\" or a positive number")
}

func (p *parser) blockCheckPort(pv *pendingVirtual, t token, _, v string) error {
	d, ok := firstDigits(v)
	if !ok {
		return p.errorValue(t.line, v, "", "invalid port")
	}
	n := digitsValue(d)
	if n == 0 || n > 65535 {
		return p.errorValue(t.line, v, "", "checkport must be in range 1..65536")
	}
	pv.v.CheckPort = uint16(n)
	return nil
}

func (p *parser) blockScheduler(pv *pendingVirtual, t token, _, v string) error {
	// Not checked against known schedulers: ipvsadm / the kernel decide.
	s := reLowercase.FindString(v)
	if s == "" {
		return p.errorValue(t.line, v, schedulerHint(strings.TrimSpace(v)), "invalid scheduler, should be only lowercase letters (a-z)")
	}
	pv.v.Scheduler, pv.schedulerLine = s, t.line
	return nil
}

func (p *parser) blockPersistent(pv *pendingVirtual, t token, _, v string) error {
	d, ok := firstDigits(v)
	if !ok {
		return p.errorValue(t.line, v, "a number of seconds", "invalid persistent timeout")
	}
	pv.v.Persistent, pv.v.PersistentTimeout = true, seconds(digitsValue(d))
	return nil
}

var (
	reDigitsOnly = regexp.MustCompile(`^\d+$`)
	reDottedQuad = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
)

func (p *parser) blockNetmask(pv *pendingVirtual, t token, _, v string) error {
	if pv.v.Family == IPv6 {
		if !reDigitsOnly.MatchString(v) || digitsValue(v) < 1 || digitsValue(v) > 128 {
			return p.errorValue(t.line, v, "", "invalid netmask: a prefix length between 1 and 128 is required")
		}
	} else if !reDottedQuad.MatchString(v) {
		return p.errorValue(t.line, v, "", "invalid netmask: dotted quad notation is required")
	}
	pv.v.Netmask = v
	return nil
}

func (p *parser) blockProtocol(pv *pendingVirtual, t token, _, v string) error {
	w := reWord.FindString(v)
	switch {
	case w == "":
		return p.errorValue(t.line, v, "", "invalid protocol")
	case pv.v.Protocol == FWM:
		if w != "fwm" {
			return p.errorValue(t.line, v, "", "protocol must be fwm if the virtual service is a fwmark (a number)")
		}
	case w == "tcp":
		pv.v.Protocol = TCP
	case w == "udp":
		pv.v.Protocol = UDP
	default:
		return p.errorValue(t.line, v, "", "protocol must be tcp or udp if the virtual service is an address and port")
	}
	return nil
}

func (p *parser) blockService(pv *pendingVirtual, t token, _, v string) error {
	w := reWord.FindString(v)
	i, ok := lookupName(serviceNames, w)
	if !ok {
		return withText(p.errorf(t.line, "service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission"),
			fmt.Sprintf("unknown service %q; %s", v, valueHint(w, serviceNames)))
	}
	s := Service(i)
	pv.v.Service, pv.serviceSet = s, true
	// Default logins, only if still empty at this point (order matters).
	self := "ldirectord@" + p.o.Hostname
	switch {
	case s == ServiceFTP && pv.v.Login == "":
		pv.v.Login = "anonymous"
	case s == ServiceSIP && pv.v.Login == "":
		pv.v.Login = self
	}
	if s == ServiceFTP && pv.v.Passwd == "" {
		pv.v.Passwd = self
	}
	return nil
}

func (p *parser) blockHTTPMethod(pv *pendingVirtual, t token, _, v string) error {
	w := strings.ToUpper(reWord.FindString(v))
	i, ok := lookupName(methodNames, w)
	if !ok {
		return p.errorValue(t.line, v, "", "httpmethod must be GET or HEAD")
	}
	pv.v.HTTPMethod = HTTPMethod(i)
	return nil
}
