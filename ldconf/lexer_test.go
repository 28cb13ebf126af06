package ldconf

import (
	"fmt"
	"reflect"
	"testing"
)

func TestLex(t *testing.T) {
	src := "# comment\n\nchecktimeout=3\nvirtual=1.2.3.4:80\n# col-0 comment stays in block\n\treal=a # c\n    \nquiescent=no\nvirtual6=[::1]:80\n\t\tx\n\t\t\n"
	var got []string
	for _, tk := range lex(src) {
		got = append(got, fmt.Sprintf("%s:%d:%s", []string{"G", "V", "B", "E"}[tk.kind], tk.line, tk.text))
	}
	want := []string{
		"G:3:checktimeout=3",
		"V:4:1.2.3.4:80",
		"B:6:real=a ", // comment cut, trailing blank kept
		"E:7:",        // four spaces alone end the block
		"G:8:quiescent=no",
		"V:9:[::1]:80",
		"B:10:x",
		"B:11: ", // two tabs alone: eight spaces, the directive is " "
		"E:11:",  // EOF ends the block at the last line
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestSplitLines(t *testing.T) {
	for src, n := range map[string]int{"": 0, "a": 1, "a\n": 1, "a\n\n": 2, "a\nb": 2} {
		if got := len(splitLines(src)); got != n {
			t.Errorf("%q: %d lines, want %d", src, got, n)
		}
	}
}
