// Package suggest finds the known names nearest a mistyped one, for the
// "did you mean" of lvsctl's messages (a directive, a scheduler, a flag).
package suggest

import (
	"slices"
	"strings"
)

// Nearest returns the candidates nearest word: those at the smallest edit
// distance (insert, delete, replace, or swap two neighbours; a difference
// of case alone is nearest of all) within a limit that grows with the
// word (1 up to 4 letters, 2 up to 8, 3 beyond), so that short words do
// not suggest unrelated ones, in the candidates' order. None when word is
// a candidate or nothing is near.
func Nearest(word string, candidates []string) []string {
	if word == "" {
		return nil
	}
	limit := 1
	switch {
	case len(word) > 8:
		limit = 3
	case len(word) > 4:
		limit = 2
	}
	if slices.Contains(candidates, word) {
		return nil
	}
	w := strings.ToLower(word)
	best, out := limit+1, []string(nil)
	for _, c := range candidates {
		switch d := distance(w, strings.ToLower(c)); {
		case d > limit:
		case d < best:
			best, out = d, []string{c}
		case d == best && !slices.Contains(out, c):
			out = append(out, c)
		}
	}
	return out
}

// distance is the optimal string alignment distance of a and b (bytes).
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
