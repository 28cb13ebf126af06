package ldconf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ldirectord (review every diff by hand against Debian's ldirectord 4.12)")

func corpus(t *testing.T, sub string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, sub, "*.cf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", sub, err)
	}
	return files
}

func parseCorpusFile(t *testing.T, path string) (*Config, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(filepath.Base(path), f, testOptions(t)...)
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden %s (run with -update, then review it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenValid: every valid config parses to its reviewed model
// (NAME.json) and table (NAME.table).
func TestGoldenValid(t *testing.T) {
	for _, path := range corpus(t, "valid") {
		base := strings.TrimSuffix(path, ".cf")
		t.Run(filepath.Base(base), func(t *testing.T) {
			c, err := parseCorpusFile(t, path)
			if err != nil {
				t.Fatalf("want valid, got %v", err)
			}
			js, err := modelJSON(c)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, base+".json", js)
			checkGolden(t, base+".table", []byte(renderTable(c.Table())))
		})
	}
}

// TestGoldenInvalid: every invalid config fails with the reviewed message
// and exit status (NAME.err: "exit N" then the message).
func TestGoldenInvalid(t *testing.T) {
	for _, path := range corpus(t, "invalid") {
		base := strings.TrimSuffix(path, ".cf")
		t.Run(filepath.Base(base), func(t *testing.T) {
			_, err := parseCorpusFile(t, path)
			if err == nil {
				t.Fatal("want an error, got none")
			}
			checkGolden(t, base+".err", fmt.Appendf(nil, "exit %d\n%s\n", ExitStatus(err), err))
		})
	}
}
