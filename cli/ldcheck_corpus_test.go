package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ldconf"
)

var updateCheck = flag.Bool("update", false, "rewrite testdata/ldirectord/*/NAME.check (review every diff)")

const ldCorpus = "../testdata/ldirectord"

// ldCheckCorpus runs `ldirectord --check` on every config of a corpus
// directory, names resolved from the corpus' hosts and services files.
func ldCheckCorpus(t *testing.T, sub string, each func(t *testing.T, base, got string, code int)) {
	res, err := ldconf.CorpusResolver(ldCorpus)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(ldCorpus, sub, "*.cf"))
	if len(files) == 0 {
		t.Fatalf("no corpus in %s", sub)
	}
	for _, cf := range files {
		base := strings.TrimSuffix(cf, ".cf")
		t.Run(filepath.Base(base), func(t *testing.T) {
			tf := newTestFactory()
			tf.ConfigOptions = []ldconf.Option{ldconf.WithResolver(res)}
			code := ldCheckConfig([]string{cf}, tf.Factory)
			got := tf.out.String()
			if tf.errOut.Len() > 0 {
				got += "-- stderr\n" + normalizeCheckErr(tf.errOut.String(), cf)
			}
			got += "-- exit " + strconv.Itoa(code) + "\n"
			each(t, base, got, code)
		})
	}
}

// normalizeCheckErr: the messages name the file by its path.
func normalizeCheckErr(s, cf string) string {
	return strings.ReplaceAll(s, cf, "CONFIG")
}

func checkCorpusGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateCheck {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden %s (go test ./cli -run LdCheckCorpus -update, then review): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("--check differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// reNotInTable: what NAME.table writes differently (scheduler flags as
// flag-N, -o before -s) or not at all.
var reNotInTable = regexp.MustCompile(` -[xy] \d+| --tun-type ipip| -b \S+| -o\b`)

// ldCheckRefuses are valid configs that --check refuses on purpose, as
// lvsctl's daemon would at start (docs/compat.md).
var ldCheckRefuses = map[string]string{
	"service-by-port":  "service=oracle cannot be checked (no Oracle client)",
	"service-explicit": "service=oracle cannot be checked (no Oracle client)",
}

// TestLdCheckCorpusValid: every valid config's --check output is its
// reviewed NAME.check, exit 0, and holds the same rules as NAME.table
// (ldconf's golden, which the lab compares with Debian's ldirectord),
// but for what reNotInTable matches.
func TestLdCheckCorpusValid(t *testing.T) {
	ldCheckCorpus(t, "valid", func(t *testing.T, base, got string, code int) {
		checkCorpusGolden(t, base+".check", got)
		if why, ok := ldCheckRefuses[filepath.Base(base)]; ok {
			if code != 2 {
				t.Errorf("exit %d, want 2 (%s)", code, why)
			}
			return
		}
		if code != 0 {
			t.Errorf("exit %d, want 0:\n%s", code, got)
		}
		table, err := os.ReadFile(base + ".table")
		if err != nil {
			t.Fatal(err)
		}
		rules, _, _ := strings.Cut(got, "-- ")
		if a, b := sortedRules(reNotInTable.ReplaceAllString(rules, "")), sortedRules(reNotInTable.ReplaceAllString(string(table), "")); a != b {
			t.Errorf("--check rules differ from %s.table:\n%s\nvs\n%s", filepath.Base(base), a, b)
		}
	})
}

// TestLdCheckCorpusInvalid: every invalid config exits with the status
// of NAME.err (2, as ldirectord), reports the error of NAME.err at its
// line, and prints no table.
func TestLdCheckCorpusInvalid(t *testing.T) {
	ldCheckCorpus(t, "invalid", func(t *testing.T, base, got string, code int) {
		checkCorpusGolden(t, base+".check", got)
		b, err := os.ReadFile(base + ".err")
		if err != nil {
			t.Fatal(err)
		}
		status, msg, _ := strings.Cut(strings.TrimSuffix(string(b), "\n"), "\n")
		if want := "exit " + strconv.Itoa(code); status != want {
			t.Errorf("%s, %s.err says %s", want, filepath.Base(base), status)
		}
		if !strings.HasPrefix(got, "-- stderr\n") || !strings.Contains(got, "\nCONFIG: FAILED, ") {
			t.Errorf("a table, or no FAILED line:\n%s", got)
		}
		// NAME.err has "NAME.cf:LINE: message" (ldirectord's words),
		// --check "CONFIG:LINE: " and lvsctl's.
		if m := reErrLine.FindStringSubmatch(msg); m != nil && !strings.Contains(got, "\nCONFIG:"+m[1]+": ") {
			t.Errorf("no error at %s.err's line %s:\n%s", filepath.Base(base), m[1], got)
		}
	})
}

var reErrLine = regexp.MustCompile(`(?s)^[^:]+\.cf:(\d+): (.*)$`)

func sortedRules(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestLdCheckCorpusBGP: --check of the BGP configs is their reviewed
// NAME.check: the table on stdout, the sessions and each prefix that
// would be announced on stderr, never a password.
func TestLdCheckCorpusBGP(t *testing.T) {
	ldCheckCorpus(t, "bgp/valid", func(t *testing.T, base, got string, code int) {
		checkCorpusGolden(t, base+".check", got)
		if code != 0 {
			t.Errorf("exit %d, want 0:\n%s", code, got)
		}
		if strings.Contains(got, "s3cr3t") {
			t.Errorf("a password in --check:\n%s", got)
		}
	})
}
