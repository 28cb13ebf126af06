//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Debian's ldirectord needs seconds of emulated CPU per config to start,
// check and settle; its side of the ldirectord.cf differential, for the
// two hundred configs of the corpus, took eighteen minutes of the lab's
// time. So its answers are recorded (-ldconf-diff record, under RECORD=1
// make e2e) into ldconfGoldenDir, and CI replays ldconf and lvsctl
// against them. Each recording names the SHA-256 of the config it was
// made from: a config changed since is refused (record again). "live"
// runs Debian's ldirectord as the recording did.
var ldconfDiffMode = flag.String("ldconf-diff", "replay",
	"TestLdconfDifferential*: replay (against Debian's recorded answers), record (Debian's ldirectord, recorded to $RECORD_DIR), live")

const ldconfGoldenDir = corpusDir + "/debian"

// recordLdconfCmd is how to record the answers again.
const recordLdconfCmd = "RECORD=1 E2E_ARGS=-ldconf-diff=record TESTS='^(TestLdconfDifferential|TestLdconfDifferentialB)$' make e2e, then copy $RECORD_DIR/ldconf-diff/* to " + ldconfGoldenDir

// ldAnswer is what Debian's ldirectord did with one config of the corpus.
// A valid config: the table it built after its first check round and
// whether it logged that round. An invalid one: its exit status and
// whether it reported a config error ("reading file").
type ldAnswer struct {
	sum      string
	status   int
	checked  bool
	rejected bool
	table    string
	log      string // what it printed (a placeholder when replayed)
}

// Format: "# comment" lines, then "sha256 HEX", "status N", "checked
// yes|no", "rejected yes|no", then "== table" and the table's lines.
func (a *ldAnswer) encode(name string) string {
	yes := map[bool]string{true: "yes", false: "no"}
	return fmt.Sprintf("# Debian's ldirectord on %s.cf in the lab (e2e/ldconf_record_test.go)\nsha256 %s\nstatus %d\nchecked %s\nrejected %s\n== table\n%s",
		name, a.sum, a.status, yes[a.checked], yes[a.rejected], a.table)
}

func decodeAnswer(text string) (*ldAnswer, error) {
	head, table, ok := strings.Cut(text, "== table\n")
	if !ok {
		return nil, fmt.Errorf("no == table line")
	}
	a := &ldAnswer{table: table}
	for _, line := range strings.Split(strings.TrimSuffix(head, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		switch key {
		case "sha256":
			a.sum = value
		case "status":
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("status %q", value)
			}
			a.status = n
		case "checked":
			a.checked = value == "yes"
		case "rejected":
			a.rejected = value == "yes"
		default:
			return nil, fmt.Errorf("line %q", line)
		}
	}
	if a.sum == "" {
		return nil, fmt.Errorf("no sha256 line")
	}
	return a, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// recordedAnswer is the recording of kind (valid or invalid) for name,
// made from a config whose content is src.
func recordedAnswer(t *testing.T, kind, name string, src []byte) *ldAnswer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ldconfGoldenDir, kind, name+".txt"))
	if err != nil {
		t.Fatalf("Debian's answer is not recorded (%v): %s", err, recordLdconfCmd)
	}
	a, err := decodeAnswer(string(b))
	if err != nil {
		t.Fatalf("%s/%s.txt: %v", kind, name, err)
	}
	if a.sum != sha256Hex(src) {
		t.Fatalf("%s/%s.txt was recorded from another version of the config: %s", kind, name, recordLdconfCmd)
	}
	a.log = "(Debian's recorded answer)"
	return a
}

// saveAnswer writes a live answer to $RECORD_DIR/ldconf-diff/KIND/.
func saveAnswer(t *testing.T, kind, name string, a *ldAnswer) {
	t.Helper()
	dir := os.Getenv("RECORD_DIR")
	if dir == "" {
		t.Fatalf("-ldconf-diff record needs RECORD_DIR (RECORD=1 make e2e)")
	}
	dir = filepath.Join(dir, "ldconf-diff", kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(a.encode(name)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// debianValid is Debian's answer to the valid config cf (content src).
func debianValid(t *testing.T, pool chan *ldWorker, name, cf string, src []byte) *ldAnswer {
	t.Helper()
	if *ldconfDiffMode == "replay" {
		return recordedAnswer(t, "valid", name, src)
	}
	table, log := ldirectordTable(t, pool, name, cf)
	a := &ldAnswer{sum: sha256Hex(src), table: table, checked: strings.Contains(log, "Checking on"), log: log}
	if *ldconfDiffMode == "record" {
		saveAnswer(t, "valid", name, a)
	}
	return a
}

// debianInvalid is Debian's answer to `ldirectord PATH status` for an
// invalid config, given timeout to exit.
func debianInvalid(t *testing.T, pool chan *ldWorker, name, path string, timeout time.Duration) *ldAnswer {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if *ldconfDiffMode == "replay" {
		return recordedAnswer(t, "invalid", name, src)
	}
	w := <-pool
	defer func() { pool <- w }()
	run, err := w.start(name, path, "status")
	if err != nil {
		t.Fatal(err)
	}
	a := &ldAnswer{sum: sha256Hex(src), status: run.wait(timeout)}
	a.log = run.output()
	a.rejected = strings.Contains(a.log, "reading file")
	if *ldconfDiffMode == "record" {
		saveAnswer(t, "invalid", name, a)
	}
	return a
}

// ldconfPool starts the workers that run Debian's ldirectord, unless
// its answers are replayed.
func ldconfPool(t *testing.T) chan *ldWorker {
	t.Helper()
	switch *ldconfDiffMode {
	case "replay":
		return nil
	case "record", "live":
		return startWorkers(t, *ldWorkers)
	}
	t.Fatalf("-ldconf-diff %q: replay, record or live", *ldconfDiffMode)
	return nil
}
