package ipvsadm

import (
	"bufio"
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

// ReadTable parses a table file line by line with ipvsadm's -R rules and
// grammar, so names resolve exactly as ipvsadm would resolve them. It
// checks every line and returns all problems (errors.Join of *LineError),
// so one run shows everything to fix; an error means no table at all.
func ReadTable(r io.Reader, prog string, res Resolver) ([]ipvsctl.VirtualService, error) {
	data, err := io.ReadAll(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("read table: %w", err)
	}
	var (
		table []ipvsctl.VirtualService
		index = map[ipvsctl.ServiceKey]int{}
		errs  []error
	)
	bad := func(n int, format string, a ...any) {
		errs = append(errs, &LineError{Line: n, Err: fmt.Errorf(format, a...)})
	}
	for i, line := range restoreInputLines(data) {
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
			k := c.Svc.Key()
			if _, dup := index[k]; dup {
				bad(n, "service %s is added twice", k)
				continue
			}
			index[k] = len(table)
			table = append(table, ipvsctl.VirtualService{Service: c.Svc})
		case CmdAddDest:
			k := c.Svc.Key()
			si, ok := index[k]
			if !ok {
				bad(n, "real server for service %s, which no earlier -A line adds", k)
				continue
			}
			d := c.Dest
			if d.UpperThreshold != 0 && d.LowerThreshold > d.UpperThreshold {
				bad(n, "l-threshold %d above u-threshold %d (the kernel refuses it)", d.LowerThreshold, d.UpperThreshold)
				continue
			}
			vs := &table[si]
			for j := range vs.Destinations {
				if vs.Destinations[j].Key() == d.Key() {
					bad(n, "real server %s of %s is added twice", &d, k)
				}
			}
			vs.Destinations = append(vs.Destinations, d)
		default:
			bad(n, "only -A and -a lines (ipvsadm -S output) describe a table; this is %s", cmdNames[c.Cmd])
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return table, nil
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
