package bgpwire

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/secret"
)

const password = "pw-Secr3t#x"

var testConfig = Config{LocalAS: 65010, RouterID: netip.MustParseAddr("10.0.0.1"), ListenPort: 1179, Peers: []Peer{
	{Address: netip.MustParseAddr("10.0.0.254"), AS: 65000, HoldTime: 3 * time.Second, Port: 1790, Multihop: 2, Password: secret.New(password)},
	{Address: netip.MustParseAddr("2001:db8::1"), AS: 65001, Passive: true},
}}

// TestCommandRoundTrip: every command reads back as written, password
// included; the lines are the documented ones.
func TestCommandRoundTrip(t *testing.T) {
	routes := map[netip.Prefix]Attrs{
		netip.MustParsePrefix("192.0.2.1/32"):  {MED: 100, Communities: []Community{{AS: 65000, Value: 1}, {AS: 65000, Value: 2}}},
		netip.MustParsePrefix("192.0.2.0/28"):  {NextHop: netip.MustParseAddr("10.0.0.9")},
		netip.MustParsePrefix("2001:db8::/64"): {},
	}
	for _, tc := range []struct {
		c    Command
		want string
	}{
		{Command{Verb: Configure, Seq: 1, Config: testConfig},
			`configure {"seq":1,"config":{"local_as":65010,"router_id":"10.0.0.1","listen_port":1179,"peers":[` +
				`{"address":"10.0.0.254","as":65000,"hold_time_s":3,"port":1790,"multihop":2,"passive":false,"password":"pw-Secr3t#x"},` +
				`{"address":"2001:db8::1","as":65001,"hold_time_s":0,"port":0,"multihop":0,"passive":true}]}}` + "\n"},
		{Command{Verb: Announce, Seq: 2, Routes: routes},
			`announce {"seq":2,"routes":[{"prefix":"192.0.2.0/28","med":0,"communities":[],"next_hop":"10.0.0.9"},` +
				`{"prefix":"192.0.2.1/32","med":100,"communities":["65000:1","65000:2"],"next_hop":""},` +
				`{"prefix":"2001:db8::/64","med":0,"communities":[],"next_hop":""}]}` + "\n"},
		{Command{Verb: Announce, Seq: 3, Routes: map[netip.Prefix]Attrs{}}, `announce {"seq":3,"routes":[]}` + "\n"},
		{Command{Verb: Stop, Seq: 4}, `stop {"seq":4}` + "\n"},
	} {
		b, err := tc.c.Line()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s line:\n got %s\nwant %s", tc.c.Verb, b, tc.want)
		}
		got, err := ParseCommand(bytes.TrimSuffix(b, []byte("\n")))
		if err != nil {
			t.Fatalf("%s: %v", tc.c.Verb, err)
		}
		if !sameCommand(got, tc.c) {
			t.Errorf("%s read back as %#v, want %#v", tc.c.Verb, got, tc.c)
		}
	}
}

// sameCommand compares commands, passwords by their text.
func sameCommand(a, b Command) bool {
	if a.Verb != b.Verb || a.Seq != b.Seq || !a.Config.Equal(b.Config) || len(a.Routes) != len(b.Routes) {
		return false
	}
	for p, x := range a.Routes {
		y, ok := b.Routes[p]
		if !ok || !x.Equal(y) {
			return false
		}
	}
	return true
}

// TestReplyRoundTrip: ready, done and a status read back as written.
func TestReplyRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 2, 3, 4, time.UTC)
	st := Status{Running: true, LocalAS: 65010, RouterID: netip.MustParseAddr("10.0.0.1"),
		Peers: []PeerStatus{{Address: netip.MustParseAddr("10.0.0.254"), AS: 65000, State: Established, Since: at, Flaps: 2}},
		Prefixes: []PrefixStatus{{Prefix: netip.MustParsePrefix("192.0.2.1/32"), Announced: true,
			Attrs: Attrs{MED: 5, Communities: []Community{{AS: 1, Value: 2}}, NextHop: netip.MustParseAddr("10.0.0.9")}, Since: at}}}
	for _, r := range []Reply{
		{Kind: Ready, Protocol: Protocol},
		{Kind: Done, Seq: 7},
		{Kind: Done, Seq: 8, Err: "bgp: peer 10.0.0.254 given twice"},
		{Kind: StatusKind, Status: st},
		{Kind: StatusKind, Status: Status{}},
	} {
		b, err := r.Line()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
			t.Fatalf("%s: not one line: %q", r.Kind, b)
		}
		got, err := ParseReply(bytes.TrimSuffix(b, []byte("\n")))
		if err != nil {
			t.Fatalf("%s: %v", r.Kind, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("%s read back as\n%#v\nwant\n%#v", r.Kind, got, r)
		}
	}
	if b, _ := (Reply{Kind: Ready, Protocol: Protocol}).Line(); string(b) != `ready {"protocol":1}`+"\n" {
		t.Errorf("ready line %q", b)
	}
}

// TestScannerLongLine: a status of many prefixes fits in a line.
func TestScannerLongLine(t *testing.T) {
	st := Status{}
	for i := range 5000 {
		st.Prefixes = append(st.Prefixes, PrefixStatus{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)})
	}
	b, err := Reply{Kind: StatusKind, Status: st}.Line()
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(bytes.NewReader(append(b, b...)))
	n := 0
	for s.Scan() {
		r, err := ParseReply(s.Bytes())
		if err != nil || len(r.Status.Prefixes) != 5000 {
			t.Fatalf("line %d: %v, %d prefixes", n, err, len(r.Status.Prefixes))
		}
		n++
	}
	if s.Err() != nil || n != 2 {
		t.Errorf("%d lines, %v", n, s.Err())
	}
}

// TestBadLines: bad lines are refused, and no error quotes a line: one
// with a password misplaced by a bug shows it nowhere.
func TestBadLines(t *testing.T) {
	for _, line := range []string{
		"",
		"configure",
		"configure ",
		`configure {"seq":1}`,
		`configure {"seq":1,"config":{"local_as":1,"router_id":"` + password + `","peers":[]}}`,
		`configure {"seq":1,"config":{"local_as":"` + password + `","peers":[]}}`,
		`configure {"seq":1,"config":{"local_as":1,"peers":[{"address":"10.0.0.1","as":1,"hold_time_s":99999999}]}}`,
		`configure {"seq":1,"config":{"local_as":1,"peers":[{"address":"10.0.0.1","as":1,"pasword":"` + password + `"}]}}`,
		`configure {"seq":1,"config":{"local_as":1,"peers":[{"address":"10.0.0.1","as":1,"password":"` + password + `"]}}`,
		`configure {"seq":1} {"seq":2,"password":"` + password + `"}`,
		`announce {"seq":2,"routes":[{"prefix":"` + password + `"}]}`,
		`announce {"seq":2,"routes":[{"prefix":"192.0.2.1/32","communities":["` + password + `"]}]}`,
		`announce {"seq":2,"routes":[{"prefix":"192.0.2.1/32"},{"prefix":"192.0.2.1/32"}]}`,
		`announce {"seq":2}`,
		password + `":"x"}]}}`,
		"reload {}",
	} {
		_, err := ParseCommand([]byte(line))
		if err == nil {
			t.Errorf("%q: no error", line)
			continue
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "Secr3t") {
			t.Errorf("%q: the error shows the password: %v", line, err)
		}
	}
	for _, line := range []string{"", "ready", `ready {"protocol":"x"}`, `done {"seq":1,"err":"x"}`, "status []", "hello {}"} {
		if _, err := ParseReply([]byte(line)); err == nil {
			t.Errorf("reply %q: no error", line)
		}
	}
}

// TestPasswordOnlyInConfigure: a configure line holds the password as
// JSON text and nothing else holds it; a Config printed holds none.
func TestPasswordOnlyInConfigure(t *testing.T) {
	b, err := Command{Verb: Configure, Config: testConfig}.Line()
	if err != nil {
		t.Fatal(err)
	}
	var w wireCommand
	if err := json.Unmarshal(b[len("configure "):], &w); err != nil || w.Config.Peers[0].Password != password {
		t.Fatalf("%v %+v", err, w)
	}
	for _, s := range []string{
		strings.Join([]string{testConfig.Peers[0].Password.String()}, ""),
		sprint(testConfig),
	} {
		if strings.Contains(s, password) {
			t.Errorf("printed: %s", s)
		}
	}
}

func sprint(v any) string {
	b, _ := json.Marshal(v)
	return string(b) + reflect.ValueOf(v).String()
}

// TestHoldTimeWholeSeconds: a hold time the line cannot carry exactly is
// an error, not a rounding.
func TestHoldTimeWholeSeconds(t *testing.T) {
	c := testConfig.Clone()
	c.Peers[0].HoldTime = 3500 * time.Millisecond
	if _, err := (Command{Verb: Configure, Config: c}).Line(); err == nil {
		t.Error("3.5 s: no error")
	}
}
