package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes s to path with mode, failing the test on an error,
// and returns path.
func WriteFile(t testing.TB, path string, mode os.FileMode, s string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TempFile writes s to a file in a new temporary directory of the test
// and returns its path.
func TempFile(t testing.TB, s string) string {
	t.Helper()
	return WriteFile(t, filepath.Join(t.TempDir(), "file"), 0o644, s)
}
