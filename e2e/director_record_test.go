//go:build e2e

package e2e

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Debian's ldirectord costs 7-30 s of emulated CPU per command in the
// lab, so running it beside lvsctl for every scenario takes most of an
// hour. Its side of each scenario is recorded instead (-director-diff
// record, under RECORD=1 make e2e) into ldDiffGoldenDir, and CI replays
// lvsctl against the recording on the same kernel. "live" runs both at
// once as before; a recording that no longer matches the scenario's
// steps fails the test (record again).
var ldDiffMode = flag.String("director-diff", "replay",
	"TestDirectorDifferential: replay (lvsctl against Debian's recorded runs), record (Debian's ldirectord only, to $RECORD_DIR), live (both)")

const ldDiffGoldenDir = "../testdata/director/diff"

// ldRecording is Debian's side of one scenario: the table after each
// step and the recorded outputs.
type ldRecording struct {
	names  []string
	tables []string
	out    string
}

// Format: "== table STEP" then the ipvsadm -Sn lines, one section per
// step, then "== out" and the recorded outputs (lines as compared).
func (r *ldRecording) encode(header string) string {
	var b strings.Builder
	b.WriteString(header)
	for i, n := range r.names {
		fmt.Fprintf(&b, "== table %s\n%s", n, r.tables[i])
	}
	fmt.Fprintf(&b, "== out\n%s\n", r.out)
	return b.String()
}

func decodeRecording(text string) (*ldRecording, error) {
	r := &ldRecording{}
	var out []string
	section := ""
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "== table "):
			section = "table"
			r.names = append(r.names, strings.TrimPrefix(line, "== table "))
			r.tables = append(r.tables, "")
		case line == "== out":
			section = "out"
		case section == "table":
			r.tables[len(r.tables)-1] += line + "\n"
		case section == "out":
			out = append(out, line)
		case strings.HasPrefix(line, "#"):
		default:
			return nil, fmt.Errorf("line %q outside a section", line)
		}
	}
	if section != "out" {
		return nil, fmt.Errorf("no == out section")
	}
	r.out = strings.Join(out, "\n")
	return r, nil
}

func loadRecording(name string) (*ldRecording, error) {
	b, err := os.ReadFile(filepath.Join(ldDiffGoldenDir, name+".txt"))
	if err != nil {
		return nil, err
	}
	return decodeRecording(string(b))
}

// saveRecording writes Debian's side to $RECORD_DIR/director-diff, to be
// copied into ldDiffGoldenDir after a review of the diff.
func saveRecording(name string, r *ldRecording, header string) error {
	dir := os.Getenv("RECORD_DIR")
	if dir == "" {
		return fmt.Errorf("-director-diff record needs RECORD_DIR (RECORD=1 make e2e)")
	}
	dir = filepath.Join(dir, "director-diff")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".txt"), []byte(r.encode(header)), 0o644)
}

// saveRecordingLog keeps ldirectord's log of a recorded scenario beside
// the recording (not in testdata): what to read when a recorded table
// looks wrong.
func saveRecordingLog(name, log string) error {
	dir := os.Getenv("RECORD_DIR")
	if dir == "" {
		return nil
	}
	dir = filepath.Join(dir, "director-diff")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".log"), []byte(log), 0o644)
}
