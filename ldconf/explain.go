package ldconf

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/lvsctl/lvsctl/internal/suggest"
	"github.com/lvsctl/lvsctl/ipvsctl"
)

// lvsctl's words for ldirectord's terser errors (Diagnostic.Text): what
// was wrong, and how it may be fixed. ldirectord's own (Msg) are left as
// they are.

// didYouMean is `did you mean "X"?` for the names nearest word, "" when
// none is near.
func didYouMean(word string, names []string) string {
	near := suggest.Nearest(word, names)
	if len(near) == 0 {
		return ""
	}
	q := make([]string, len(near))
	for i, n := range near {
		q[i] = fmt.Sprintf("%q", n)
	}
	return "did you mean " + strings.Join(q, " or ") + "?"
}

// directiveNames are every directive's name, for suggestions (once the
// handlers' tables are made, at init).
var directiveNames = sync.OnceValue(func() []string {
	names := append(slices.Collect(maps.Keys(globalHandlers)), slices.Collect(maps.Keys(blockHandlers))...)
	names = append(names, "virtual", "virtual6", "supervised")
	slices.Sort(names)
	return slices.Compact(names)
})

// unknownText words ldirectord's "Unknown command" for line t (inBlock:
// a line of a virtual block): a directive of the other side, a value
// that needs quotes, a line indented too little, or the nearest known
// directive.
func unknownText(t token, inBlock bool) string {
	line := strings.TrimSpace(Redact(t.raw))
	m := reDirective.FindStringSubmatch(t.text)
	if m == nil {
		indent := strings.TrimRight(t.raw, " \t")
		indent = indent[:len(indent)-len(strings.TrimLeft(indent, " \t"))]
		switch {
		case line == "":
			return "a line of blanks in a virtual block: remove them, or make it a # comment (an empty line ends the block)"
		case inBlock || indent == "" || !reDirective.MatchString(strings.TrimSpace(t.text)):
			return fmt.Sprintf("not a directive (NAME=VALUE): %q", line)
		case strings.Contains(indent, "\t") || len(indent) >= 4:
			return fmt.Sprintf("%q is indented but in no virtual block: an empty line, or one not indented, ends the block above", line)
		}
		return fmt.Sprintf("%q is indented by less than four spaces: a line of a virtual block needs four (or a tab), a global directive none", line)
	}
	name := m[1]
	_, global := globalHandlers[name]
	_, block := blockHandlers[name]
	switch {
	case inBlock && block, !inBlock && global:
		// known here: the value is what was refused
		return fmt.Sprintf("%s needs its value in double quotes", name)
	case inBlock && global:
		return fmt.Sprintf("%s is a global directive: it cannot be inside a virtual block (the lines indented under virtual= belong to it)", name)
	case !inBlock && (block || name == "virtual6"):
		return fmt.Sprintf("%s is a directive of virtual blocks: indent it under its virtual= line (four spaces or a tab)", name)
	}
	s := fmt.Sprintf("unknown directive %q", name)
	if hint := didYouMean(name, directiveNames()); hint != "" {
		s += "; " + hint
	}
	return s
}

// oneOf is "one of A, B or C" for a hint.
func oneOf(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return "one of " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// valueHint is a hint for a value that must be one of names: the nearest
// ones, then the list.
func valueHint(v string, names []string) string {
	if hint := didYouMean(v, names); hint != "" {
		return hint + " (" + oneOf(names) + ")"
	}
	return oneOf(names)
}

// schedulerHint is the hint for a scheduler Linux does not ship: the
// nearest ones, and those it ships.
func schedulerHint(s string) string {
	list := "Linux ships " + strings.Join(ipvsctl.Schedulers[:len(ipvsctl.Schedulers)-1], ", ") + " and " + ipvsctl.Schedulers[len(ipvsctl.Schedulers)-1]
	if hint := didYouMean(s, ipvsctl.Schedulers); hint != "" {
		return hint + " (" + list + ")"
	}
	return list
}
