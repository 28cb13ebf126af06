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
	"sync"
	"testing"
)

// TestDifferential runs every sequence in sequences/ twice on a clean
// table, once with Debian's ipvsadm and once with lvsctl behind a symlink
// named ipvsadm, and requires identical transcripts: every stdout byte,
// stderr byte and exit status. IPVS keeps a table per network namespace,
// so each run gets a fresh namespace and all of them run in parallel.
func TestDifferential(t *testing.T) {
	requireLab(t)
	files, err := filepath.Glob("sequences/*.sh")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sequences: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sh")
		shim := shimDir(t)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var want, got []byte
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); want = runSequence(t, f, realIpvsadmDir, "dq-"+name[:3]+"-a") }()
			go func() { defer wg.Done(); got = runSequence(t, f, shim, "dq-"+name[:3]+"-b") }()
			wg.Wait()
			if t.Failed() {
				return
			}
			if !bytes.Equal(want, got) {
				t.Errorf("transcripts differ (-ipvsadm +lvsctl):\n%s", lineDiff(string(want), string(got)))
				// also now: subtest output is otherwise held back until
				// the whole suite ends, and the lab may not get there
				fmt.Printf("DIFF %s\n%s", name, lineDiff(string(want), string(got)))
				fmt.Printf("TRANSCRIPT %s ipvsadm\n%s\nTRANSCRIPT %s lvsctl\n%s\n", name, want, name, got)
			}
		})
	}
}

// runSequence runs one sequence in a new network namespace ns (a fresh
// IPVS table) and returns its transcript. It may run on its own goroutine:
// it reports with Errorf, never FailNow.
func runSequence(t *testing.T, file, binDir, ns string) []byte {
	abs, _ := filepath.Abs(file)
	lib, _ := filepath.Abs("lib.sh")
	dir, err := os.MkdirTemp("", ns)
	if err != nil {
		t.Errorf("%v", err)
		return nil
	}
	defer os.RemoveAll(dir)
	tr := filepath.Join(dir, "transcript")
	exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Errorf("ip netns add %s: %v %s", ns, err, out)
		return nil
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	cmd := exec.Command("ip", "netns", "exec", ns, "bash", "-c", `set +e; source "$1"; cd "$(dirname "$2")"; source "$2"`, "seq", lib, abs)
	cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"), "TRANSCRIPT="+tr, "TMPDIR="+dir, "IPVS_LOCK="+ipvsLock)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sequence %s with %s: %v\n%s", file, binDir, err, out)
		return nil
	}
	b, err := os.ReadFile(tr)
	if err != nil {
		t.Errorf("no transcript: %v", err)
	}
	return b
}
