package checks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A password or secret never shows in a result, whatever the server echoes,
// nor in a printed or marshalled target.
func TestSecretsNeverShown(t *testing.T) {
	const pw, secret = "hunter2-pw", "s3cret-rad"
	// Servers that quote what they were sent.
	pop := lineServer(t, "+OK ready\r\n", [][2]string{{"USER", "+OK\r\n"}, {"PASS", "-ERR unknown command PASS hunter2-pw\r\n"}})
	imap := lineServer(t, "* OK ready\r\n", [][2]string{{"a1 LOGIN", "a1 NO LOGIN joe \"hunter2-pw\" refused\r\n"}})
	for _, c := range []struct {
		tg   Target
		want string
	}{
		{func() Target { tg := target("pop", pop); tg.Login, tg.Passwd = "joe", pw; return tg }(),
			"login failed: -ERR unknown command PASS <redacted>"},
		{func() Target { tg := target("imap", imap); tg.Login, tg.Passwd = "joe", pw; return tg }(),
			`login failed: a1 NO LOGIN joe "<redacted>" refused`},
	} {
		r := check(t, ForService(c.tg.Service), c.tg)
		if r.Up || r.Reason != c.want {
			t.Errorf("%s: got %+v, want down: %s", c.tg.Service, r, c.want)
		}
		if r.Err != nil && strings.Contains(r.Err.Error(), pw) {
			t.Errorf("%s: error %q", c.tg.Service, r.Err)
		}
	}
	// A result whose error quotes the password.
	tg := Target{Passwd: pw, Secret: secret}
	r := tg.scrub(Result{Reason: "no: " + pw, Err: fmt.Errorf("wrapped: %w", fmt.Errorf("server said %s and %s", pw, secret))})
	if r.Reason != "no: <redacted>" || r.Err.Error() != "wrapped: server said <redacted> and <redacted>" {
		t.Errorf("scrub: %q, %q", r.Reason, r.Err)
	}

	tg = target("radius", 1812)
	tg.Login, tg.Passwd, tg.Secret = "joe", pw, secret
	js, err := json.Marshal(tg)
	if err != nil {
		t.Fatal(err)
	}
	out := string(js)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		out += fmt.Sprintf(verb, tg) + fmt.Sprintf(verb, &tg) + fmt.Sprintf(verb, []Target{tg})
	}
	if strings.Contains(out, pw) || strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
		t.Errorf("secret shown:\n%s", out)
	}
	var back Target
	if err := json.Unmarshal(js, &back); err != nil || back.Passwd != Redacted || back.Secret != Redacted || back.Login != "joe" {
		t.Errorf("not marshalled as <redacted>: %s (%v)", js, err)
	}
	if !strings.Contains(fmt.Sprintf("%+v", tg), "Passwd:<redacted> Database: Secret:<redacted>") {
		t.Errorf("not printed as <redacted>: %+v", tg)
	}
	if tg.Passwd != pw || tg.Secret != secret {
		t.Error("printing changed the target")
	}
}

// Reasons are printable, one line, and bounded, whatever the server sent.
func TestReasonsAreSafeToLog(t *testing.T) {
	tg := target("smtp", lineServer(t, "554 no\x1b[31m\rforged line\r\n", nil))
	r := check(t, SMTP{}, tg)
	if want := "greeting 554 no?[31m?forged line"; r.Up || r.Reason != want {
		t.Errorf("got %q, want %q", r.Reason, want)
	}
	tg = target("nntp", lineServer(t, "5\xff\xfe bad utf-8\n", nil))
	if r := check(t, NNTP{}, tg); r.Reason != "greeting 5? bad utf-8?" {
		t.Errorf("got %q", r.Reason)
	}
	long := strings.Repeat("é", 300)
	if got := (&Target{}).scrub(Result{Reason: long}).Reason; len(got) > maxReason || !strings.HasSuffix(got, "é...") {
		t.Errorf("clip: %d bytes, %q", len(got), got[len(got)-10:])
	}
}
