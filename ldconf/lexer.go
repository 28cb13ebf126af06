package ldconf

import (
	"regexp"
	"strings"
)

// tokenKind classifies a line of the configuration.
type tokenKind int

const (
	tokGlobal   tokenKind = iota // a directive outside any virtual block
	tokVirtual                   // virtual= or virtual6= at column 0
	tokBlock                     // a directive inside a virtual block
	tokBlockEnd                  // the line that ended a block (or EOF)
	tokTooLong                   // a line longer than maxLineLen; lexing stops
)

// maxLineLen bounds a line of the configuration (docs/compat.md):
// ldirectord reads any, and quotes an unknown one whole in its error.
const maxLineLen = 64 << 10

// token is one meaningful line. Blank and comment lines produce none.
type token struct {
	kind tokenKind
	line int
	// raw is the line as read, without its newline.
	raw string
	// text is what the parser matches: for tokBlock the directive with the
	// indentation removed, the comment stripped and tabs expanded; for
	// tokVirtual the value after "="; for tokGlobal the raw line.
	text string
	v6   bool // tokVirtual: virtual6=
}

var (
	reVirtualHeader = regexp.MustCompile(`^virtual(6)?` + ws + `*=` + ws + `*(.*)`)
	reBlankOrHash   = regexp.MustCompile(`^` + ws + `*(#|$)`)
	reCommentLine   = regexp.MustCompile(`^` + ws + `*#`)
	reBlockLine     = regexp.MustCompile(`^ {4,}(.+)`)
)

// lex splits src into tokens with ldirectord's rules: a virtual block is
// the run of lines that, after tabs become four spaces and "#..." is cut,
// start with at least four spaces and one more character; comment lines
// inside a block are skipped without ending it; any other line (a blank
// one included) ends the block and is then read as a global line.
func lex(src string) []token {
	lines := splitLines(src)
	var toks []token
	inBlock := false
	for i := 0; i < len(lines); i++ {
		n, raw := i+1, lines[i]
		if len(raw) > maxLineLen {
			return append(toks, token{kind: tokTooLong, line: n})
		}
		if inBlock {
			if reCommentLine.MatchString(raw) {
				continue
			}
			t := raw
			if j := strings.IndexByte(t, '#'); j >= 0 {
				t = t[:j]
			}
			t = strings.ReplaceAll(t, "\t", "    ")
			if m := reBlockLine.FindStringSubmatch(t); m != nil {
				toks = append(toks, token{kind: tokBlock, line: n, raw: raw, text: m[1]})
				continue
			}
			toks = append(toks, token{kind: tokBlockEnd, line: n, raw: raw})
			inBlock = false
		}
		if m := reVirtualHeader.FindStringSubmatch(raw); m != nil {
			toks = append(toks, token{kind: tokVirtual, line: n, raw: raw, text: m[2], v6: m[1] != ""})
			inBlock = true
			continue
		}
		if reBlankOrHash.MatchString(raw) {
			continue
		}
		toks = append(toks, token{kind: tokGlobal, line: n, raw: raw, text: raw})
	}
	if inBlock {
		toks = append(toks, token{kind: tokBlockEnd, line: len(lines)})
	}
	return toks
}

// splitLines splits like Perl's <FH>: on "\n", a final line without one
// still counts, and the newlines are dropped.
func splitLines(src string) []string {
	if src == "" {
		return nil
	}
	src = strings.TrimSuffix(src, "\n")
	return strings.Split(src, "\n")
}
