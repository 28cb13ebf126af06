package ipvsadm

import (
	"bufio"
	"errors"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// restoreFields splits one -R line as ipvsadm's config_stream_read does:
// on spaces, tabs and carriage returns, no quoting, no comments, and every
// word that is exactly "ipvsadm" dropped.
func restoreFields(line string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }) {
		if w != "ipvsadm" {
			out = append(out, w)
		}
	}
	return out
}

func isKernelWrite(cmd Cmd) bool {
	switch cmd {
	case CmdAdd, CmdEdit, CmdDel, CmdFlush, CmdZero, CmdAddDest, CmdEditDest, CmdDelDest:
		return true
	}
	return false
}

// restore runs each stdin line as a command. Parse and validation errors
// stop it (ipvsadm exits); kernel refusals are printed and it goes on; the
// status is the last line's. With a Batcher client, writes are pipelined:
// their results arrive in line order, before anything that reads.
func (r *Runner) restore() error {
	var last error
	report := func(err error) {
		if err != nil {
			r.Stdout.Flush()
			r.Stderr.Write([]byte(err.Error() + "\n"))
			last = errSilent
			return
		}
		last = nil
	}
	b, batching := r.Client.(ipvsctl.Batcher)
	if batching {
		b.BeginBatch(report)
		defer b.EndBatch()
	}
	br := bufio.NewReaderSize(r.Stdin, 64*1024)
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && (line == "" || strings.TrimRight(line, " \t\r") != line) {
			// ipvsadm's reader drops a last line that lacks its newline
			// and ends in blanks.
			break
		}
		args := restoreFields(strings.TrimSuffix(line, "\n"))
		if len(args) > 0 {
			c, err := r.parse(args)
			if err == nil {
				err = r.execute(c, true)
				if batching && err == nil && isKernelWrite(c.Cmd) {
					// its result comes through report, in order
					if rerr != nil {
						break
					}
					continue
				}
			}
			if batching {
				b.EndBatch() // earlier lines' results come first
				b.BeginBatch(report)
			}
			var ee *ExitError
			if errors.As(err, &ee) {
				return err
			}
			var re *ReturnError
			if errors.As(err, &re) {
				r.Stdout.Flush()
				r.Stderr.Write([]byte(re.Msg))
				last = errSilent
			} else {
				last = err
			}
		}
		if rerr != nil {
			break
		}
	}
	if batching {
		b.EndBatch()
		b.BeginBatch(report) // the deferred EndBatch closes it
	}
	return last
}

// errSilent is a failure whose message was already printed.
var errSilent = &ReturnError{}
