package secret

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestNeverPrinted(t *testing.T) {
	const pw = "hunter2"
	s := New(pw)
	type inner struct {
		Exported   String
		unexported String
	}
	v := inner{Exported: s, unexported: s}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %+v %#v %q %x %X %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", v, v, v), fmt.Sprintf("%v", &v), string(js), s.String(), s.GoString(),
	}
	for _, o := range outs {
		if strings.Contains(o, pw) || strings.Contains(o, fmt.Sprintf("%x", pw)) {
			t.Errorf("secret printed: %s", o)
		}
	}
	if got := fmt.Sprintf("%v|%q|%#v", s, s, s); got != `<redacted>|"<redacted>"|secret.String("<redacted>")` {
		t.Errorf("got %s", got)
	}
	if string(js) != `{"Exported":"\u003credacted\u003e"}` { // json.Marshal escapes < and >
		t.Errorf("json %s", js)
	}
	if s.Reveal() != pw || !s.IsSet() || !s.Equal(New(pw)) || s.Equal(New("other")) {
		t.Error("Reveal, IsSet or Equal wrong")
	}
}

func TestUnset(t *testing.T) {
	var z String
	if z.IsSet() || z.Reveal() != "" || fmt.Sprint(z) != "" || !z.Equal(New("")) || New("").IsSet() {
		t.Error("the zero secret should be empty and unset")
	}
	b, _ := z.MarshalText()
	if len(b) != 0 {
		t.Errorf("MarshalText of unset = %q", b)
	}
}
