package ldconf

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
)

// Load reads the configuration file at path (no lookup: see Resolve) and
// returns the parsed, resolved and validated configuration, or an *Error
// (exit status 2) for the first problem ldirectord would stop at.
func Load(path string, opts ...Option) (*Config, error) {
	o := buildOptions(opts)
	data, err := readConfig(path, o)
	if err != nil {
		return nil, err
	}
	return parse(path, data, o)
}

// LoadAll reads the configuration file at path as Load does, but goes on
// after an error to find the others: it returns every error (at most
// maxAllErrors, then one saying so), sorted by line, Load's among them,
// and the configuration as far as it could be read, the virtuals that
// could not be read (a bad address, a duplicate) left out. Without errors
// it is Load's configuration.
func LoadAll(path string, opts ...Option) (*Config, []*Error) {
	o := buildOptions(opts)
	data, err := readConfig(path, o)
	if err != nil {
		return nil, []*Error{err.(*Error)}
	}
	return parseAll(path, data, o)
}

func readConfig(path string, o *Options) (string, error) {
	data, err := o.FS.ReadFile(path)
	if err != nil {
		return "", &Error{Diagnostic: Diagnostic{File: path, Msg: "can not open file " + path}, Err: err}
	}
	if len(data) > maxConfig {
		return "", errTooLarge(path)
	}
	return string(data), nil
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
	seen map[string]int    // virtual ids, for duplicates: the line of the first
	// nreals counts real servers, against maxReals.
	nreals int
	// bgp is nil until a bgp* directive is read.
	bgp *pendingBGP
	// all: go on after an error (LoadAll), collecting them in errs.
	all  bool
	errs []*Error
}

// maxAllErrors bounds what LoadAll collects: past it, the rest of the
// file is not read.
const maxAllErrors = 50

// errTooMany ends a LoadAll that has found maxAllErrors.
var errTooMany = errors.New("too many errors")

func newParser(name string, o *Options) *parser {
	return &parser{o: o, cfg: &Config{File: name, Global: defaultGlobal()}, seen: map[string]int{}}
}

func parse(name, src string, o *Options) (*Config, error) {
	p := newParser(name, o)
	if err := p.run(src); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

func parseAll(name, src string, o *Options) (*Config, []*Error) {
	p := newParser(name, o)
	p.all = true
	stopped := p.run(src) != nil
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	if stopped {
		p.errs = append(p.errs, &Error{Diagnostic: Diagnostic{File: name,
			Msg: fmt.Sprintf("more than %d errors: the rest of the file is not checked", maxAllErrors)}})
	}
	// Only the virtuals read to their end.
	kept := p.cfg.Virtuals[:0]
	for _, v := range p.cfg.Virtuals {
		if slices.ContainsFunc(p.done, func(pv *pendingVirtual) bool { return pv.v == v }) {
			kept = append(kept, v)
		}
	}
	p.cfg.Virtuals = kept
	return p.cfg, p.errs
}

// run reads src: the lines in order, then the stages that need the whole
// file. It returns the first error, or, collecting (p.all), nil or
// errTooMany.
func (p *parser) run(src string) error {
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
		if err := p.fail(err); err != nil {
			return err
		}
	}
	p.applyDefaults()
	p.validate()
	errs := p.finishBGP()
	if len(errs) == 0 {
		return nil
	}
	if !p.all {
		// Of several, the earliest line's, as if ldirectord had read
		// them in order.
		return slices.MinFunc(errs, func(x, y *Error) int { return x.Line - y.Line })
	}
	for _, e := range errs {
		if err := p.fail(e); err != nil {
			return err
		}
	}
	return nil
}

// fail is what becomes of an error: returned, to stop at it, or, when
// collecting, recorded and nil (errTooMany once there are enough).
func (p *parser) fail(err error) error {
	if err == nil || !p.all {
		return err
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Diagnostic: Diagnostic{File: p.cfg.File, Msg: RedactMessage(err.Error())}, Err: err}
	}
	p.errs = append(p.errs, e)
	if len(p.errs) >= maxAllErrors {
		return errTooMany
	}
	return nil
}

// errorf makes the error ldirectord's config_error would report. Where
// it quotes configuration text, the caller redacts it (Redact) so that
// only the secret changes; RedactMessage runs here in case one did not.
func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Diagnostic: Diagnostic{File: p.cfg.File, Line: line, Msg: RedactMessage(fmt.Sprintf(format, args...))}}
}

// errorValue is errorf whose lvsctl wording (Diagnostic.Text) adds what
// ldirectord's message leaves out: the offending value, as written, and
// a hint ("did you mean ...", the values allowed; "" for none).
func (p *parser) errorValue(line int, value, hint, format string, args ...any) error {
	e := p.errorf(line, format, args...).(*Error)
	e.Text = explain(e.Msg, value, hint)
	return e
}

// explain is msg, then `: "VALUE"`, then "; HINT", secrets redacted.
func explain(msg, value, hint string) string {
	s := msg + ": " + strconv.Quote(value)
	if hint != "" {
		s += "; " + hint
	}
	return RedactMessage(s)
}

// withText gives err (an *Error) lvsctl's own wording.
func withText(err error, text string) error {
	if e, ok := err.(*Error); ok {
		e.Text = RedactMessage(text)
	}
	return err
}

// errorWrap is errorf with an underlying cause kept for errors.Is/As.
func (p *parser) errorWrap(line int, cause error, format string, args ...any) error {
	e := p.errorf(line, format, args...).(*Error)
	e.Err = cause
	return e
}

// warnText is a warning (not a deviation) with lvsctl's hint in its Text.
func (p *parser) warnText(line int, msg, hint string) {
	p.warn(line, false, "%s", msg)
	if hint != "" {
		w := &p.cfg.Warnings[len(p.cfg.Warnings)-1]
		w.Text = RedactMessage(w.Msg + "; " + hint)
	}
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
