package ldconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: no input may panic or hang the parser, and whatever it
// accepts must give a table without panicking.
func FuzzParse(f *testing.F) {
	for _, sub := range []string{"valid", "invalid"} {
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
		if err != nil {
			if ExitStatus(err) != ExitConfigError {
				t.Fatalf("exit status %d for %v", ExitStatus(err), err)
			}
			return
		}
		_ = c.Table()
	})
}
