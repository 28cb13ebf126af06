package ipvsadm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// lvsctl's extensions to ipvsadm's grammar: --json on listings and
// --atomic on -R. They exist only when the Runner is told so (invoked as
// lvsctl); under the name ipvsadm the scanner never learns them, so they
// fail exactly as in ipvsadm 1.31 ("--json: unknown option").

// extOptionTable holds the extensions' rows, which set no option bit (a
// repeated --json is harmless) and may come before the command word.
var extOptionTable = [...]option{
	{optSpec{"json", 0, argNone}, noBit, func(c *Command, _ *string, _ Resolver) error {
		c.JSON = true
		return nil
	}},
	{optSpec{"atomic", 0, argNone}, noBit, func(c *Command, _ *string, _ Resolver) error {
		c.Atomic = true
		return nil
	}},
}

// extCheck extends ipvsadm's option matrix to the extensions, in its
// words: --json belongs to the list command, --atomic to restore.
func (c *Command) extCheck() error {
	if c.JSON && c.Cmd != CmdList {
		return fail("Illegal 'json' option with the '%s' command", c.Cmd)
	}
	if c.Atomic && c.Cmd != CmdRestore {
		return fail("Illegal 'atomic' option with the '%s' command", c.Cmd)
	}
	return nil
}

// parse reads a command line in the Runner's grammar.
func (r *Runner) parse(args []string) (*Command, error) {
	g := ipvsadmGrammar
	if r.Extensions {
		g = lvsctlGrammar
	}
	return parseGrammar(g, r.Prog, args, r.Res)
}

// restoreAtomic is lvsctl -R --atomic: every input line is parsed before
// the first write, so a typo on line 900 no longer leaves 899 lines
// applied. A clean input then runs exactly as -R (same continue-on-kernel
// error rules); atomic is about input validity, the kernel has no
// transactions.
func (r *Runner) restoreAtomic() error {
	data, err := io.ReadAll(r.Stdin)
	if err != nil {
		return fmt.Errorf("read restore input: %w", err)
	}
	for n, line := range restoreInputLines(data) {
		args := restoreFields(line)
		if len(args) == 0 {
			continue
		}
		c, err := r.parse(args)
		if err == nil && c.Cmd == CmdRestore {
			err = tryHelp(r.Prog) // what -R inside -R ends with
		}
		if err != nil {
			return atomicRefusal(r.Prog, n+1, err)
		}
	}
	saved := r.Stdin
	r.Stdin = bytes.NewReader(data)
	defer func() { r.Stdin = saved }()
	return r.restore()
}

// restoreInputLines splits input the way restore reads it, including
// ipvsadm's rule that drops a last line without newline ending in blanks.
func restoreInputLines(data []byte) []string {
	s := string(data)
	lines := strings.SplitAfter(s, "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "\n") {
		if last == "" || strings.TrimRight(last, " \t\r") != last {
			lines = lines[:len(lines)-1]
		}
	}
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\n")
	}
	return lines
}

// atomicRefusal keeps ipvsadm's message for the bad line and says that
// nothing was written.
func atomicRefusal(prog string, line int, err error) error {
	msg, code := "", 2
	var ee *ExitError
	var re *ReturnError
	switch {
	case errors.As(err, &ee):
		if !ee.ToStdout {
			msg = ee.Msg
		}
		if ee.Code != 0 {
			code = ee.Code
		}
	case errors.As(err, &re):
		msg, code = re.Msg, 255
	default:
		msg = err.Error() + "\n"
	}
	return &ExitError{Code: code, Msg: fmt.Sprintf("%s%s: -R --atomic: input line %d refused, nothing applied\n", msg, prog, line)}
}
