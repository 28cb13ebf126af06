package ldconf

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reSecretPrefix is a line start after which the rest of the line is a
// secret: a passwd=, secret= or password= directive, or a typo of one.
var reSecretPrefix = regexp.MustCompile(`^[ \t]*(?i:passwd|password|secret)[A-Za-z0-9_]*(?:[ \t]*[=:][ \t]*|[ \t]+)"?$`)

// fuzzSecret never occurs in a corpus file.
const fuzzSecret = "Zq9-Pl4nted-xY"

// FuzzParseSecrets: a secret written anywhere in any configuration, as a
// well-formed or malformed passwd=/secret= line, never shows in what the
// parser returns (the error, the warnings, the model as JSON or printed).
func FuzzParseSecrets(f *testing.F) {
	for _, sub := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir, sub, "*.cf"))
		for i, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			prefix := []string{"\tpasswd=\"", "\tsecret = ", "passwd=", "    Passwd \"", "\tsecret: "}[i%5]
			f.Add(string(b), prefix, uint8(i))
		}
	}
	opts := testOptions(f)
	f.Fuzz(func(t *testing.T, src, prefix string, pos uint8) {
		if !reSecretPrefix.MatchString(prefix) || strings.Contains(src, fuzzSecret) {
			return
		}
		lines := strings.Split(src, "\n")
		at := int(pos) % (len(lines) + 1)
		lines = append(lines[:at], append([]string{prefix + fuzzSecret}, lines[at:]...)...)
		c, err := Parse("fuzz.cf", strings.NewReader(strings.Join(lines, "\n")), opts...)
		if out := shown(c, err); strings.Contains(out, fuzzSecret) {
			t.Fatalf("secret shown:\n%s", out)
		}
	})
}
