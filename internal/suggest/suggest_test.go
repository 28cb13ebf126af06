package suggest

import (
	"slices"
	"testing"
)

func TestNearest(t *testing.T) {
	directives := []string{"scheduler", "service", "checktype", "checkport", "real", "quiescent", "virtualhost"}
	schedulers := []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"}
	for _, c := range []struct {
		word  string
		cands []string
		want  []string
	}{
		{"schedular", directives, []string{"scheduler"}},
		{"sheduler", directives, []string{"scheduler"}},
		{"Scheduler", directives, []string{"scheduler"}},
		{"scheduler", directives, nil},
		{"RR", schedulers, []string{"rr"}},
		{"checktyp", directives, []string{"checktype"}},
		{"chekport", directives, []string{"checkport"}},
		{"quiesent", directives, []string{"quiescent"}},
		{"frobnicate", directives, nil},
		{"bogus", []string{"login", "ops"}, nil}, // 3 away: too far for 5 letters
		{"wlcc", schedulers, []string{"wlc"}},
		{"rrr", schedulers, []string{"rr", "wrr"}},
		{"xyz", schedulers, nil},
		{"stauts", []string{"status", "start"}, []string{"status"}},
		{"drian", []string{"drain", "diff"}, []string{"drain"}},
		{"", schedulers, nil},
	} {
		if got := Nearest(c.word, c.cands); !slices.Equal(got, c.want) {
			t.Errorf("Nearest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"ab", "ba", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}} {
		if d := distance(c.a, c.b); d != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, d, c.d)
		}
	}
}
