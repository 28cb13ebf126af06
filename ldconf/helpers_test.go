package ldconf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

const corpusDir = "../testdata/ldirectord"

// newFakeResolver resolves from the corpus' hosts and services files, so
// tests never depend on the machine's /etc files or DNS.
func newFakeResolver(t testing.TB) *StaticResolver {
	t.Helper()
	r, err := CorpusResolver(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeFS: files under /nonexistent cannot be created; /srv/maint is the
// only directory; IsFile and ReadFile use the real disk (for Resolve and
// Load tests on t.TempDir()).
type fakeFS struct{ opened []string }

func (f *fakeFS) OpenAppend(path string) error {
	if strings.HasPrefix(path, "/nonexistent") || path == "" {
		return &fs.PathError{Op: "open", Path: path, Err: syscall.ENOENT}
	}
	f.opened = append(f.opened, path)
	return nil
}
func (f *fakeFS) IsDir(path string) bool { return path == "/srv/maint" }
func (f *fakeFS) IsFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
func (f *fakeFS) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func testOptions(t testing.TB) []Option {
	return []Option{WithResolver(newFakeResolver(t)), WithFS(&fakeFS{}), WithHostname("director.example.test")}
}

// parseString parses src as file "test.cf" with the hermetic options.
func parseString(t testing.TB, src string) (*Config, error) {
	t.Helper()
	return Parse("test.cf", strings.NewReader(src), testOptions(t)...)
}

func mustParse(t testing.TB, src string) *Config {
	t.Helper()
	c, err := parseString(t, src)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	return c
}

// parseErr parses src and returns the error's message (without file and
// line), its line and its exit status; it fails if src parses.
func parseErr(t testing.TB, src string) (string, int, int) {
	t.Helper()
	_, err := parseString(t, src)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a config error, got %v\n%s", err, src)
	}
	return e.Msg, e.Line, ExitStatus(err)
}

// renderTable writes a table like ipvsadm -S -n, plus the thresholds
// (which -S leaves out) so the goldens show them.
func renderTable(vss []ipvsctl.VirtualService) string {
	var b strings.Builder
	for _, vs := range vss {
		s := vs.Service
		fmt.Fprintf(&b, "-A %s", s.String())
		if s.Flags&ipvsctl.SvcFlagOnePacket != 0 {
			b.WriteString(" -o")
		}
		fmt.Fprintf(&b, " -s %s", s.Scheduler)
		if s.Flags&ipvsctl.SvcFlagPersistent != 0 {
			fmt.Fprintf(&b, " -p %d", s.Timeout)
			if s.Family == ipvsctl.AFInet6 && s.Netmask != 128 {
				fmt.Fprintf(&b, " -M %d", s.Netmask)
			} else if s.Family == ipvsctl.AFInet && s.Netmask != 0xffffffff {
				m := s.Netmask
				fmt.Fprintf(&b, " -M %d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
			}
		}
		var fl []string
		for i, f := range []uint32{ipvsctl.SvcFlagSchedFlag1, ipvsctl.SvcFlagSchedFlag2, ipvsctl.SvcFlagSchedFlag3} {
			if s.Flags&f != 0 {
				fl = append(fl, fmt.Sprintf("flag-%d", i+1))
			}
		}
		if len(fl) > 0 {
			fmt.Fprintf(&b, " -b %s", strings.Join(fl, ","))
		}
		b.WriteString("\n")
		for _, d := range vs.Destinations {
			m := map[uint32]string{ipvsctl.FwdMasq: "-m", ipvsctl.FwdRoute: "-g", ipvsctl.FwdTunnel: "-i"}[d.FwdMethod]
			fmt.Fprintf(&b, "-a %s %s %s -w %d", s.String(), d.String(), m, d.Weight)
			if d.UpperThreshold != 0 || d.LowerThreshold != 0 {
				fmt.Fprintf(&b, " -x %d -y %d", d.UpperThreshold, d.LowerThreshold)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

var durationKeys = map[string]bool{
	"CheckTimeout": true, "NegotiateTimeout": true, "CheckInterval": true,
	"EmailAlertFreq": true, "PersistentTimeout": true,
	"WithdrawDelay": true, "HoldTime": true,
}

// modelJSON renders the model with durations as "5s" and without zero
// values (absent = "", 0, false or null) so goldens can be reviewed by
// eye.
func modelJSON(c *Config) ([]byte, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if isZero(v) {
					delete(n, k)
					continue
				}
				if num, ok := v.(json.Number); ok && durationKeys[k] {
					i, _ := num.Int64()
					n[k] = time.Duration(i).String()
					continue
				}
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(tree)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err = enc.Encode(tree)
	return buf.Bytes(), err
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case json.Number:
		return v == "0"
	}
	return false
}
