package ipvsadm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// How -R input and table files are read: lines, and the words of a line.

// maxWord is the longest word ipvsadm's -R reader takes (its
// MAX_LINE_LENGTH): a longer one is cut into pieces of this size, each a
// word of its own, so no message ever quotes more of it.
const maxWord = 4096

// Bounds of lvsctl's own inputs: -R under the lvsctl name, -R --atomic
// and the table files of diff and apply. No ipvsadm rule comes near them;
// a longer line is refused before it is split into words, so it is never
// quoted, and nothing reads more than MaxInputBytes into memory.
const (
	MaxLineBytes  = 64 << 10
	MaxInputBytes = 64 << 20
)

// InputError is input refused for its size: a line longer than
// MaxLineBytes (Line is its number) or an input larger than
// MaxInputBytes (Line is 0).
type InputError struct {
	Line int
}

func (e *InputError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("larger than %d MiB", MaxInputBytes>>20)
	}
	return fmt.Sprintf("line %d is longer than %d bytes", e.Line, MaxLineBytes)
}

func isRestoreBlank(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }

// restoreFields splits one -R line as ipvsadm's config_stream_read does:
// on spaces, tabs and carriage returns, no quoting, no comments; a word
// longer than maxWord becomes pieces of maxWord bytes; a NUL byte ends
// the piece it is in (the reader keeps C strings); every piece that is
// exactly "ipvsadm" is dropped.
func restoreFields(line string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(line, isRestoreBlank) {
		for w != "" {
			piece := w[:min(len(w), maxWord)]
			w = w[len(piece):]
			if i := strings.IndexByte(piece, 0); i >= 0 {
				piece = piece[:i]
			}
			if piece != "ipvsadm" {
				out = append(out, piece)
			}
		}
	}
	return out
}

// droppedLast reports whether ipvsadm's reader drops a last line that
// lacks its newline: when it is empty or ends in blanks.
func droppedLast(line string) bool {
	return line == "" || strings.TrimRight(line, " \t\r") != line
}

// lineReader reads -R input one line at a time, as restore runs it.
type lineReader struct {
	br *bufio.Reader
	// bounded refuses lines longer than MaxLineBytes (lvsctl's -R);
	// unbounded reads lines of any length, as ipvsadm does.
	bounded bool
	n       int // number of the line last returned
	done    bool
}

func newLineReader(r io.Reader, bounded bool) *lineReader {
	size := 64 << 10
	if bounded {
		size = MaxLineBytes + 1 // the longest line and its newline
	}
	return &lineReader{br: bufio.NewReaderSize(r, size), bounded: bounded}
}

// next returns the next line without its newline; ok is false when there
// is none. A read error ends the input as its end does (ipvsadm's reader
// sees EOF). err is an *InputError for a line that is too long.
func (lr *lineReader) next() (line string, ok bool, err error) {
	if lr.done {
		return "", false, nil
	}
	var rerr error
	if lr.bounded {
		var b []byte
		b, rerr = lr.br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			lr.done = true
			return "", false, &InputError{Line: lr.n + 1}
		}
		line = string(b)
	} else {
		line, rerr = lr.br.ReadString('\n')
	}
	if rerr != nil {
		lr.done = true
		if droppedLast(line) {
			return "", false, nil
		}
	}
	lr.n++
	return strings.TrimSuffix(line, "\n"), true, nil
}

// readInputLines reads a whole bounded input and splits it into lines the
// way restore reads them, ipvsadm's rule for a last line without newline
// included. err is an *InputError for an input or a line too large, or
// the read error.
func readInputLines(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputBytes {
		return nil, &InputError{}
	}
	lines := strings.SplitAfter(string(data), "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "\n") && droppedLast(last) {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\n")
		if len(lines[i]) > MaxLineBytes {
			return nil, &InputError{Line: i + 1}
		}
	}
	return lines, nil
}
