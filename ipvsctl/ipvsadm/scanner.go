package ipvsadm

import "strings"

// A tiny emulation of the popt behaviour ipvsadm relies on: short options
// glued into clusters (-Lcn), arguments glued (-t10.0.0.1:80, -srr) or
// separate, --long and --long=value, optional arguments that only take a
// next word not starting with '-' (-p), "--" ending options, and non-option
// words collected as leftovers wherever they stand.

type argKind int

const (
	argNone argKind = iota
	argRequired
	argOptional
)

// optSpec is how the scanner finds an option: its long name, its short
// letter (0 for none) and whether it takes an argument.
type optSpec struct {
	long  string
	short byte
	arg   argKind
}

// popt error codes, as ipvsadm prints them after the offending word.
const (
	poptErrNoArg       = "missing argument"
	poptErrBadOpt      = "unknown option"
	poptErrUnwantedArg = "option does not take an argument"
)

type poptError struct {
	word string // the argv element being processed (poptBadOption)
	msg  string
}

type poptScanner struct {
	specs     []optSpec
	args      []string
	next      int    // index of the next argv element
	cluster   string // rest of a short-option cluster being read
	noMore    bool
	leftovers []string
}

func newPoptScanner(specs []optSpec, args []string) *poptScanner {
	return &poptScanner{specs: specs, args: args}
}

// current is what popt's poptBadOption answers: the last argv element
// consumed, which may be an option's argument.
func (p *poptScanner) current() string {
	if p.next == 0 {
		return ""
	}
	return p.args[p.next-1]
}

// short and long find a spec by its letter or name: its index, or -1.
func (p *poptScanner) short(c byte) int {
	for i := range p.specs {
		if p.specs[i].short == c && c != 0 {
			return i
		}
	}
	return -1
}

func (p *poptScanner) long(name string) int {
	for i := range p.specs {
		if p.specs[i].long == name {
			return i
		}
	}
	return -1
}

// nextOpt returns the next option (its index in the specs) and argument;
// ok is false at the end of the options; err is set for popt errors.
func (p *poptScanner) nextOpt() (opt int, arg *string, ok bool, err *poptError) {
	for p.cluster == "" {
		if p.next >= len(p.args) {
			return 0, nil, false, nil
		}
		w := p.args[p.next]
		p.next++
		switch {
		case p.noMore || len(w) < 2 || w[0] != '-':
			p.leftovers = append(p.leftovers, w)
		case w == "--":
			p.noMore = true
		case strings.HasPrefix(w, "--"):
			return p.longOpt(w)
		default:
			p.cluster = w[1:]
		}
	}
	c := p.cluster[0]
	p.cluster = p.cluster[1:]
	i := p.short(c)
	if i < 0 {
		p.cluster = ""
		return 0, nil, false, &poptError{p.current(), poptErrBadOpt}
	}
	if p.specs[i].arg == argNone {
		return i, nil, true, nil
	}
	if p.cluster != "" {
		v := p.cluster
		p.cluster = ""
		return i, &v, true, nil
	}
	return p.separateArg(i)
}

func (p *poptScanner) longOpt(w string) (int, *string, bool, *poptError) {
	name, val, hasVal := strings.Cut(w[2:], "=")
	i := p.long(name)
	if i < 0 {
		return 0, nil, false, &poptError{w, poptErrBadOpt}
	}
	if hasVal {
		if p.specs[i].arg == argNone {
			return 0, nil, false, &poptError{w, poptErrUnwantedArg}
		}
		return i, &val, true, nil
	}
	if p.specs[i].arg == argNone {
		return i, nil, true, nil
	}
	return p.separateArg(i)
}

func (p *poptScanner) separateArg(i int) (int, *string, bool, *poptError) {
	if p.next >= len(p.args) {
		if p.specs[i].arg == argOptional {
			return i, nil, true, nil
		}
		return 0, nil, false, &poptError{p.current(), poptErrNoArg}
	}
	w := p.args[p.next]
	if p.specs[i].arg == argOptional && strings.HasPrefix(w, "-") {
		return i, nil, true, nil
	}
	p.next++
	return i, &w, true, nil
}

// leftover pops the next non-option word (poptGetArg).
func (p *poptScanner) leftover() (string, bool) {
	// popt hands out leftovers only after option processing; anything not
	// yet scanned (after an error) is not a leftover.
	if len(p.leftovers) == 0 {
		return "", false
	}
	w := p.leftovers[0]
	p.leftovers = p.leftovers[1:]
	return w, true
}
