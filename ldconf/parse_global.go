package ldconf

import (
	"maps"
	"regexp"
	"strings"
	"time"
)

func defaultGlobal() Global {
	return Global{
		CheckInterval:    10 * time.Second,
		CheckCount:       1,
		FailureCount:     1,
		LogFile:          "/var/log/ldirectord.log",
		EmailAlertStatus: AlertAll,
		CleanStop:        true,
	}
}

var (
	reSupervisedBare = regexp.MustCompile(`^supervised` + ws + `*$`)
	reFreq           = regexp.MustCompile(`^\d*`)
	reSMTP           = regexp.MustCompile(`^[0-9A-Za-z._+-]+`)
)

type globalHandler func(p *parser, t token, v string) error

var globalHandlers map[string]globalHandler

func init() {
	globalHandlers = map[string]globalHandler{
		"checktimeout": func(p *parser, t token, v string) error {
			return p.globalTimeout(t, v, &p.cfg.Global.CheckTimeout, "invalid check timeout value")
		},
		"negotiatetimeout": func(p *parser, t token, v string) error {
			return p.globalTimeout(t, v, &p.cfg.Global.NegotiateTimeout, "invalid negotiate timeout value")
		},
		"connecttimeout": func(p *parser, t token, _ string) error {
			return p.errorf(t.line, "connecttimeout directive deprecated in favour of negotiatetimeout")
		},
		"timeout": func(p *parser, t token, _ string) error {
			return p.errorf(t.line, "timeout directive deprecated in favour of checktimeout and negotiatetimeout")
		},
		"checkinterval": func(p *parser, t token, v string) error {
			n, err := p.count(t, v, "invalid check interval value")
			p.cfg.Global.CheckInterval = seconds(n)
			return err
		},
		"checkcount": func(p *parser, t token, v string) error {
			n, err := p.count(t, v, "invalid check count value")
			if err != nil {
				return err
			}
			p.cfg.Global.CheckCount = clampInt(n)
			p.warn(t.line, false, "checkcount option is deprecated and slated for removal.  please see 'failurecount'")
			return nil
		},
		"failurecount": func(p *parser, t token, v string) error {
			n, err := p.count(t, v, "invalid failure count value")
			p.cfg.Global.FailureCount = clampInt(n)
			return err
		},
		"fallback":  func(p *parser, t token, v string) error { return p.globalFallback(t, v, IPv4) },
		"fallback6": func(p *parser, t token, v string) error { return p.globalFallback(t, v, IPv6) },
		"fallbackcommand": func(p *parser, t token, v string) error {
			if v == "" {
				return p.errorf(t.line, "invalid fallback command")
			}
			p.cfg.Global.FallbackCommand = v
			return nil
		},
		"autoreload": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.AutoReload, "autoreload")
		},
		"fork": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.Fork, "fork")
		},
		"quiescent": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.Quiescent, "quiescent")
		},
		"readdquiescent": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.ReaddQuiescent, "readdquiescent")
		},
		"resync": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.Resync, "resync")
		},
		"cleanstop": func(p *parser, t token, v string) error {
			return p.globalYesNo(t, v, &p.cfg.Global.CleanStop, "cleanstop")
		},
		"tlsverifyhost":  (*parser).globalTLSVerifyHost,
		"tlsservername":  (*parser).globalTLSServerName,
		"tlscafile":      (*parser).globalTLSCAFile,
		"tlsminversion":  (*parser).globalTLSMinVersion,
		"pgsqlcleartext": (*parser).globalPgSQLCleartext,
		"callback": func(p *parser, t token, v string) error {
			q, ok := quoted(v)
			if !ok {
				return p.unknownGlobal(t)
			}
			p.cfg.Global.Callback = q
			return nil
		},
		"logfile": (*parser).logfile,
		"execute": func(p *parser, t token, v string) error {
			// ldirectord keeps a set of names.
			for _, e := range p.cfg.Global.Execute {
				if e == v {
					return nil
				}
			}
			p.cfg.Global.Execute = append(p.cfg.Global.Execute, v)
			return nil
		},
		"emailalert": func(p *parser, t token, v string) error {
			a, err := p.emailAlert(t, v)
			p.cfg.Global.EmailAlert = a
			return err
		},
		"emailalertfreq": func(p *parser, t token, v string) error {
			d, err := p.emailAlertFreq(t, v)
			p.cfg.Global.EmailAlertFreq = d
			return err
		},
		"emailalertstatus": func(p *parser, t token, v string) error {
			s, err := p.emailAlertStatus(t, v)
			p.cfg.Global.EmailAlertStatus = s
			return err
		},
		"emailalertfrom": func(p *parser, t token, v string) error {
			if v == "" {
				return p.errorf(t.line, "no email from address specified")
			}
			p.cfg.Global.EmailAlertFrom = v
			return nil
		},
		"smtp": func(p *parser, t token, v string) error {
			s, err := p.smtp(t, v)
			p.cfg.Global.SMTP = s
			return err
		},
		"maintenancedir": func(p *parser, t token, v string) error {
			if v == "" {
				return p.errorf(t.line, "maintenance directory not specified")
			}
			p.cfg.Global.MaintenanceDir = v
			if !p.o.FS.IsDir(v) {
				p.warn(t.line, false, "maintenance directory does not exist")
			}
			return nil
		},
	}
	maps.Copy(globalHandlers, bgpGlobalHandlers)
}

// global handles a line outside virtual blocks.
func (p *parser) global(t token) error {
	// ldirectord matches /^supervised/ before looking for "=".
	if strings.HasPrefix(t.text, "supervised") {
		return p.supervised(t)
	}
	m := reDirective.FindStringSubmatch(t.text)
	if m == nil {
		return p.unknownGlobal(t)
	}
	h, ok := globalHandlers[m[1]]
	if !ok {
		if err := p.misplacedBGP(t, m[1], false); err != nil {
			return err
		}
		return p.unknownGlobal(t)
	}
	return h(p, t, m[2])
}

// unknownGlobal reports the whole line, secrets redacted; ldirectord's
// message also carries the newline, which we leave out.
func (p *parser) unknownGlobal(t token) error {
	return p.errorf(t.line, "Unknown command %s", Redact(t.raw))
}

func (p *parser) supervised(t token) error {
	if m := reDirective.FindStringSubmatch(t.text); m != nil && m[1] == "supervised" {
		if b, ok := yesNo(m[2]); ok {
			p.cfg.Global.Supervised = b
			return nil
		}
	}
	if reSupervisedBare.MatchString(t.text) {
		p.cfg.Global.Supervised = true
		p.warn(t.line, false, "please update your config not to use a bare supervised directive")
		return nil
	}
	return p.errorf(t.line, "supervised must be 'yes' or 'no'")
}

// globalTimeout: the first digits, which must be > 0.
func (p *parser) globalTimeout(t token, v string, dst *time.Duration, msg string) error {
	d, ok := firstDigits(v)
	if !ok || digitsValue(d) == 0 {
		return p.errorf(t.line, "%s", msg)
	}
	*dst = seconds(digitsValue(d))
	return nil
}

// count: the first digits, which must be true in Perl's sense ("00" is
// accepted and means 0, as in ldirectord).
func (p *parser) count(t token, v string, msg string) (uint64, error) {
	d, ok := firstDigits(v)
	if !ok || !perlTrue(d) {
		return 0, p.errorf(t.line, "%s", msg)
	}
	return digitsValue(d), nil
}

// globalYesNo: the whole value, trailing blanks and comments included,
// must be yes or no.
func (p *parser) globalYesNo(t token, v string, dst *bool, name string) error {
	b, ok := yesNo(v)
	if !ok {
		return p.errorf(t.line, "%s must be 'yes' or 'no'", name)
	}
	*dst = b
	return nil
}

func (p *parser) logfile(t token, v string) error {
	q, ok := quoted(v)
	if !ok {
		return p.unknownGlobal(t)
	}
	// ldirectord test-opens a file log at once, unless -d or supervised
	// (as set so far) make it log elsewhere; a facility name is never
	// checked.
	if strings.HasPrefix(q, "/") && !p.o.Debug && !p.cfg.Global.Supervised {
		if err := p.o.FS.OpenAppend(strings.TrimSpace(q)); err != nil {
			return p.errorWrap(t.line, err, "unable to open logfile: %s", q)
		}
	}
	p.cfg.Global.LogFile = q
	return nil
}

var reEmailQuoted = regexp.MustCompile(`^"([^"]*)"$`)

func (p *parser) emailAlert(t token, v string) (string, error) {
	if m := reEmailQuoted.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	if v == "" {
		return "", p.errorf(t.line, "no email address specified")
	}
	return v, nil
}

// emailAlertFreq: ldirectord's pattern only takes digits right after "=".
func (p *parser) emailAlertFreq(t token, v string) (time.Duration, error) {
	d := reFreq.FindString(v)
	if d == "" {
		return 0, p.errorf(t.line, "invalid email alert frequency")
	}
	return seconds(digitsValue(d)), nil
}

var reCommaSplit = regexp.MustCompile(ws + `*,` + ws + `*`)

// emailAlertStatus follows parse_emailalertstatus, including Perl's split
// dropping trailing empty fields and an empty value meaning no status.
func (p *parser) emailAlertStatus(t token, v string) (AlertStatus, error) {
	items := reCommaSplit.Split(v, -1)
	for len(items) > 0 && items[len(items)-1] == "" {
		items = items[:len(items)-1]
	}
	none := 0
	for _, i := range items {
		if i == "none" {
			none++
		}
	}
	var s AlertStatus
	for _, i := range items {
		switch i {
		case "none":
			continue
		case "all":
			s = AlertAll
		case "starting":
			s |= AlertStarting
		case "stopping":
			s |= AlertStopping
		case "running":
			s |= AlertRunning
		case "reloading":
			s |= AlertReloading
		default:
			return 0, p.errorf(t.line, "invalid email alert status at: \"%s\"", i)
		}
		if none > 0 {
			return 0, p.errorf(t.line, "invalid email alert status: \"%s\" specified with \"none\"", i)
		}
	}
	return s, nil
}

func (p *parser) smtp(t token, v string) (string, error) {
	s := reSMTP.FindString(v)
	if s == "" {
		return "", p.errorf(t.line, "invalid SMTP server address")
	}
	return s, nil
}

// seconds converts a count of seconds, saturating where time.Duration
// would overflow.
func seconds(n uint64) time.Duration {
	const maxSec = uint64(1<<63-1) / uint64(time.Second)
	if n > maxSec {
		n = maxSec
	}
	return time.Duration(n) * time.Second
}

func clampInt(n uint64) int {
	if n > 1<<31-1 {
		return 1<<31 - 1
	}
	return int(n)
}
