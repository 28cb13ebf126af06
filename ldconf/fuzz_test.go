package ldconf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: no input may panic or hang the parser (collecting every
// error or not), whatever it accepts must give a table without panicking, and no BGP password it accepts may
// show in its JSON or its peer's text.
func FuzzParse(f *testing.F) {
	for _, sub := range append(corpusSubs["valid"], corpusSubs["invalid"]...) {
		files, _ := filepath.Glob(filepath.Join(corpusDir, sub, "*.cf"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	opts := testOptions(f)
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse("fuzz.cf", strings.NewReader(src), opts...)
		// Collecting every error reads on past the first without
		// panicking, reports the first among its own, and what it could
		// read still gives a table.
		all, errs := parseAll("fuzz.cf", src, buildOptions(opts))
		_ = all.Table()
		if (err == nil) != (len(errs) == 0) {
			t.Fatalf("Parse: %v; parseAll: %v", err, errs)
		}
		if err != nil && !slices.ContainsFunc(errs, func(e *Error) bool { return e.Error() == err.Error() }) {
			t.Fatalf("Parse's %q not among parseAll's %v", err, errs)
		}
		if err != nil {
			if ExitStatus(err) != ExitConfigError {
				t.Fatalf("exit status %d for %v", ExitStatus(err), err)
			}
			return
		}
		_ = c.Table()
		if c.Global.BGP == nil {
			return
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Global.BGP.Peers {
			// Short passwords match other text of the JSON by chance.
			if pw := p.Password.Reveal(); len(pw) >= 12 && strings.Contains(string(js)+p.String(), pw) {
				t.Fatalf("password %q shown", pw)
			}
		}
	})
}
