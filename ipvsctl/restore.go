package ipvsctl

import (
	"bufio"
	"errors"
	"strings"
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

// restore runs each stdin line as a command. Parse and validation errors
// stop it (ipvsadm exits); kernel refusals are printed and it goes on; the
// status is the last line's.
func (r *Runner) restore() error {
	br := bufio.NewReaderSize(r.Stdin, 64*1024)
	var last error
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && (line == "" || strings.TrimRight(line, " \t\r") != line) {
			// ipvsadm's reader drops a last line that lacks its newline
			// and ends in blanks.
			break
		}
		args := restoreFields(strings.TrimSuffix(line, "\n"))
		if len(args) == 0 {
			if rerr != nil {
				break
			}
			continue
		}
		err := r.process(args, true)
		var ee *ExitError
		if errors.As(err, &ee) {
			return err
		}
		if err != nil {
			// printed now, like ipvsadm; only the status survives
			r.Stdout.Flush()
			var re *ReturnError
			if errors.As(err, &re) {
				r.Stderr.Write([]byte(re.Msg))
			}
			last = errSilent
			continue
		}
		last = nil
		if rerr != nil {
			break
		}
	}
	return last
}

// errSilent is a failure whose message was already printed.
var errSilent = &ReturnError{}
