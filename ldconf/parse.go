package ldconf

import (
	"fmt"
	"io"
	"regexp"
)

// Load reads the configuration file at path (no lookup: see Resolve) and
// returns the parsed, resolved and validated configuration, or an *Error
// (exit status 2) for the first problem ldirectord would stop at.
func Load(path string, opts ...Option) (*Config, error) {
	o := buildOptions(opts)
	data, err := o.FS.ReadFile(path)
	if err != nil {
		return nil, &Error{Diagnostic: Diagnostic{File: path, Msg: "can not open file " + path}, Err: err}
	}
	if len(data) > maxConfig {
		return nil, errTooLarge(path)
	}
	return parse(path, string(data), o)
}

// maxConfig bounds a configuration (docs/compat.md): 262144 real servers
// (maxReals) take about 10 MiB.
const maxConfig = 64 << 20

func errTooLarge(name string) error {
	return &Error{Diagnostic: Diagnostic{File: name, Msg: fmt.Sprintf("larger than %d MiB: refused", maxConfig>>20)}}
}

// Parse reads a configuration from r; name is the file name used in
// messages.
func Parse(name string, r io.Reader, opts ...Option) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfig+1))
	if err != nil {
		return nil, &Error{Diagnostic: Diagnostic{File: name, Msg: "can not open file " + name}, Err: err}
	}
	if len(data) > maxConfig {
		return nil, errTooLarge(name)
	}
	return parse(name, string(data), buildOptions(opts))
}

// parser holds the state of one read: ldirectord reads top to bottom and
// stops at the first error, resolving each virtual block as it ends.
type parser struct {
	o    *Options
	cfg  *Config
	cur  *pendingVirtual
	done []*pendingVirtual // finished blocks, for the defaults stage
	seen map[string]bool   // virtual ids, for duplicates
	// nreals counts real servers, against maxReals.
	nreals int
	// bgp is nil until a bgp* directive is read.
	bgp *pendingBGP
}

func parse(name, src string, o *Options) (*Config, error) {
	p := &parser{o: o, cfg: &Config{File: name, Global: defaultGlobal()}, seen: map[string]bool{}}
	for _, t := range lex(src) {
		var err error
		switch t.kind {
		case tokGlobal:
			err = p.global(t)
		case tokVirtual:
			err = p.virtualHeader(t)
		case tokBlock:
			err = p.blockDirective(t)
		case tokBlockEnd:
			err = p.endBlock(t.line)
		case tokTooLong:
			err = p.errorf(t.line, "line longer than %d KiB: refused", maxLineLen>>10)
		}
		if err != nil {
			return nil, err
		}
	}
	p.applyDefaults()
	p.validate()
	if err := p.finishBGP(); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// errorf makes the error ldirectord's config_error would report. Where
// it quotes configuration text, the caller redacts it (Redact) so that
// only the secret changes; RedactMessage runs here in case one did not.
func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Diagnostic: Diagnostic{File: p.cfg.File, Line: line, Msg: RedactMessage(fmt.Sprintf(format, args...))}}
}

// errorWrap is errorf with an underlying cause kept for errors.Is/As.
func (p *parser) errorWrap(line int, cause error, format string, args ...any) error {
	e := p.errorf(line, format, args...).(*Error)
	e.Err = cause
	return e
}

func (p *parser) warn(line int, deviation bool, format string, args ...any) {
	p.cfg.Warnings = append(p.cfg.Warnings, Diagnostic{
		File: p.cfg.File, Line: line, Msg: RedactMessage(fmt.Sprintf(format, args...)), Deviation: deviation,
	})
}

// reDirective splits "name = value" the way ldirectord's /^name\s*=\s*(.*)/
// patterns do.
var reDirective = regexp.MustCompile(`^([A-Za-z0-9_]+)` + ws + `*=` + ws + `*(.*)`)

// reQuoted is /^"(.*)"/ on a value: the text between the first and the
// last double quote; anything after the last quote is ignored.
var reQuoted = regexp.MustCompile(`^"(.*)"`)

func quoted(v string) (string, bool) {
	m := reQuoted.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// optionallyQuoted is ldirectord's /^x\s*=\s*"(.*)"/ or /^x\s*=\s*(.*)/.
func optionallyQuoted(v string) string {
	if q, ok := quoted(v); ok {
		return q
	}
	return v
}

func yesNo(v string) (bool, bool) {
	switch v {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}
