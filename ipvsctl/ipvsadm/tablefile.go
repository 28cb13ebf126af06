package ipvsadm

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// A table file is what ipvsadm -S writes (with or without -n) and what
// keepalived notify scripts and cron jobs keep: -A and -a lines. lvsctl
// diff and apply read it as the whole desired table.

// LineError is a table file line that cannot be part of the table.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap exposes the parser's error.
func (e *LineError) Unwrap() error { return e.Err }

// LdirectordConfigError is a table file that is an ldirectord.cf: not
// one line is a table rule, and it has ldirectord's virtual= blocks.
type LdirectordConfigError struct {
	Line int // the first virtual= or virtual6= line
}

func (e *LdirectordConfigError) Error() string {
	return fmt.Sprintf("an ldirectord.cf (virtual= at line %d), not a table in ipvsadm -S form", e.Line)
}

// TableFile is a table file as ReadTableFile reads it: the table, and the
// line each rule came from.
type TableFile struct {
	Table    []ipvsctl.VirtualService
	svcLine  map[ipvsctl.ServiceKey]int
	destLine map[destRef]int
}

type destRef struct {
	svc  ipvsctl.ServiceKey
	dest ipvsctl.DestinationKey
}

// Line is the line of the file that asks for a change: the rule it adds
// or edits; 0 for a delete, which no line asks for.
func (t *TableFile) Line(c *ipvsctl.Change) int {
	switch c.Op {
	case ipvsctl.OpAddSvc, ipvsctl.OpEditSvc:
		return t.svcLine[c.Service.Key()]
	case ipvsctl.OpAddDst, ipvsctl.OpEditDst:
		return t.destLine[destRef{c.Service.Key(), c.Dest.Key()}]
	}
	return 0
}

// ReadTable parses a table file line by line with ipvsadm's -R rules and
// grammar, so names resolve exactly as ipvsadm would resolve them. It
// checks every line and returns all problems (errors.Join of *LineError),
// so one run shows everything to fix; an error means no table at all.
func ReadTable(r io.Reader, prog string, res Resolver) ([]ipvsctl.VirtualService, error) {
	t, err := ReadTableFile(r, prog, res)
	if err != nil {
		return nil, err
	}
	return t.Table, nil
}

// ReadTableFile is ReadTable keeping each rule's line. A file larger than
// MaxInputBytes or with a line longer than MaxLineBytes is refused whole
// (an *InputError in a *LineError for the line), an ldirectord.cf with
// an *LdirectordConfigError alone.
func ReadTableFile(r io.Reader, prog string, res Resolver) (*TableFile, error) {
	lines, err := readInputLines(r)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) && ie.Line > 0 {
			return nil, &LineError{Line: ie.Line, Err: fmt.Errorf("longer than %d bytes", MaxLineBytes)}
		}
		return nil, fmt.Errorf("read table: %w", err)
	}
	t := &TableFile{svcLine: map[ipvsctl.ServiceKey]int{}, destLine: map[destRef]int{}}
	var (
		index = map[ipvsctl.ServiceKey]int{}
		errs  []error
		rules int
	)
	bad := func(n int, format string, a ...any) {
		errs = append(errs, &LineError{Line: n, Err: fmt.Errorf(format, a...)})
	}
	for i, line := range lines {
		n := i + 1
		args := restoreFields(line)
		if len(args) == 0 {
			continue
		}
		c, err := Parse(prog, args, res)
		if err != nil {
			errs = append(errs, &LineError{Line: n, Err: parserText(err)})
			continue
		}
		switch c.Cmd {
		case CmdAdd:
			rules++
			k := c.Svc.Key()
			if _, dup := index[k]; dup {
				bad(n, "service %s is added twice", k)
				continue
			}
			index[k] = len(t.Table)
			t.svcLine[k] = n
			t.Table = append(t.Table, ipvsctl.VirtualService{Service: c.Svc})
		case CmdAddDest:
			rules++
			k := c.Svc.Key()
			si, ok := index[k]
			if !ok {
				bad(n, "real server for service %s, which no earlier -A line adds", k)
				continue
			}
			d := c.Dest
			if d.LowerThreshold > d.UpperThreshold {
				bad(n, "l-threshold %d above u-threshold %d (the kernel refuses it)", d.LowerThreshold, d.UpperThreshold)
				continue
			}
			vs := &t.Table[si]
			for j := range vs.Destinations {
				if vs.Destinations[j].Key() == d.Key() {
					bad(n, "real server %s of %s is added twice", &d, k)
				}
			}
			t.destLine[destRef{k, d.Key()}] = n
			vs.Destinations = append(vs.Destinations, d)
		default:
			rules++
			bad(n, "only -A and -a lines (ipvsadm -S output) describe a table; this is %s", cmdNames[c.Cmd])
		}
	}
	if n := ldirectordLine(lines); rules == 0 && len(errs) > 0 && n > 0 {
		return nil, &LdirectordConfigError{Line: n}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// ldirectordLine is the number of the first line holding ldirectord's
// virtual= or virtual6= directive, which starts every block of an
// ldirectord.cf; 0 if none does.
func ldirectordLine(lines []string) int {
	for i, l := range lines {
		key, _, ok := strings.Cut(strings.TrimLeft(l, " \t"), "=")
		if k := strings.TrimRight(key, " \t"); ok && (k == "virtual" || k == "virtual6") {
			return i + 1
		}
	}
	return 0
}

// parserText turns the parser's exit-style errors into plain errors with
// ipvsadm's text.
func parserText(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) && ee.ToStdout {
		return errors.New("a -h or -v line is not a table rule")
	}
	msg := strings.TrimSpace(err.Error())
	if msg == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, "\n", " "))
}
