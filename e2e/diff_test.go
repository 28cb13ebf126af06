//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDifferential runs every sequence in sequences/ twice on a clean
// table, once with Debian's ipvsadm and once with lvsctl behind a symlink
// named ipvsadm, and requires identical transcripts: every stdout byte,
// stderr byte and exit status.
func TestDifferential(t *testing.T) {
	requireLab(t)
	files, err := filepath.Glob("sequences/*.sh")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sequences: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sh")
		t.Run(name, func(t *testing.T) {
			want := runSequence(t, f, realIpvsadmDir)
			got := runSequence(t, f, shimDir(t))
			if !bytes.Equal(want, got) {
				t.Errorf("transcripts differ (-ipvsadm +lvsctl):\n%s", lineDiff(string(want), string(got)))
				// also now: subtest output is otherwise held back until
				// the whole suite ends, and the lab may not get there
				fmt.Printf("DIFF %s\n%s", name, lineDiff(string(want), string(got)))
			}
		})
	}
}

func runSequence(t *testing.T, file, binDir string) []byte {
	t.Helper()
	resetKernel(t)
	abs, _ := filepath.Abs(file)
	lib, _ := filepath.Abs("lib.sh")
	tr := filepath.Join(t.TempDir(), "transcript")
	cmd := exec.Command("bash", "-c", `set +e; source "$1"; cd "$(dirname "$2")"; source "$2"`, "seq", lib, abs)
	cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"), "TRANSCRIPT="+tr)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sequence %s with %s: %v\n%s", file, binDir, err, out)
	}
	b, err := os.ReadFile(tr)
	if err != nil {
		t.Fatalf("no transcript: %v", err)
	}
	return b
}
