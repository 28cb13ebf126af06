package ldconf

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var rePasswordInCorpus = regexp.MustCompile(`password` + ws + `*=` + ws + `*(\S+)`)

// TestBGPPasswordNeverShown: no error, warning, JSON, fmt output or golden
// file of the BGP corpus holds a password written in its config.
func TestBGPPasswordNeverShown(t *testing.T) {
	files := append(corpus(t, "bgp/valid"), corpus(t, "bgp/invalid")...)
	seen := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var pws []string
		for _, m := range rePasswordInCorpus.FindAllStringSubmatch(string(src), -1) {
			pws = append(pws, m[1])
		}
		if len(pws) == 0 {
			continue
		}
		seen++
		c, err := parseCorpusFile(t, path)
		var shown []string
		if err != nil {
			shown = append(shown, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		} else {
			js, jerr := json.Marshal(c)
			if jerr != nil {
				t.Fatal(jerr)
			}
			shown = append(shown, string(js), fmt.Sprintf("%v %+v %#v", c.Global.BGP, c.Global.BGP, c.Global.BGP))
			for _, p := range c.Global.BGP.Peers {
				shown = append(shown, p.String(), fmt.Sprintf("%v %+v %#v", p, *p, *p))
			}
			for _, w := range c.Warnings {
				shown = append(shown, w.String())
			}
		}
		base := strings.TrimSuffix(path, ".cf")
		for _, golden := range []string{base + ".json", base + ".err", base + ".table"} {
			if b, err := os.ReadFile(golden); err == nil {
				shown = append(shown, string(b))
			}
		}
		for _, s := range shown {
			for _, pw := range pws {
				if strings.Contains(s, pw) {
					t.Errorf("%s: password %q shown in:\n%s", filepath.Base(path), pw, s)
				}
			}
		}
	}
	if seen < 5 {
		t.Fatalf("only %d corpus files with a password: the test would prove little", seen)
	}
}

// TestBGPPasswordKept: the speaker gets the password as written, "#"
// included; the text redacts it.
func TestBGPPasswordKept(t *testing.T) {
	c := mustParse(t, "bgplocalas=65010\nbgppeer = 2001:db8::1 65000 passive password=a#b:c # the router\n")
	p := c.Global.BGP.Peers[0]
	if got := p.Password.Reveal(); got != "a#b:c" {
		t.Errorf("password %q, want a#b:c", got)
	}
	if got := p.String(); got != "2001:db8::1 65000 passive password=<redacted>" {
		t.Errorf("String() = %q", got)
	}
}

// TestBGPOffSameModel: a config whose BGP lines become comments reads to
// the same model as with them, but for Global.BGP and Virtual.Announce;
// and no config of ldirectord's corpus has either.
func TestBGPOffSameModel(t *testing.T) {
	for _, path := range corpus(t, "valid") {
		c, err := parseCorpusFile(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Global.BGP != nil {
			t.Errorf("%s: BGP set", path)
		}
		for _, v := range c.Virtuals {
			if v.Announce != nil {
				t.Errorf("%s: virtual on line %d announced", path, v.Line)
			}
		}
	}
	reBGPLine := regexp.MustCompile(`(?m)^(` + ws + `*)(bgp|announce)\w*` + ws + `*=.*$`)
	for _, name := range []string{"bgp-full", "bgp-shared-address", "bgp-globals-after-blocks"} {
		src, err := os.ReadFile(filepath.Join(corpusDir, "bgp/valid", name+".cf"))
		if err != nil {
			t.Fatal(err)
		}
		with := mustParse(t, string(src))
		without := mustParse(t, reBGPLine.ReplaceAllString(string(src), "$1#"))
		if without.Global.BGP != nil {
			t.Fatalf("%s: the BGP lines were not all taken out", name)
		}
		if a, b := renderTable(with.Table()), renderTable(without.Table()); a != b {
			t.Errorf("%s: tables differ:\n%s\nvs\n%s", name, a, b)
		}
		with.Global.BGP, with.Warnings, without.Warnings = nil, nil, nil
		for _, v := range with.Virtuals {
			v.Announce = nil
		}
		if !reflect.DeepEqual(with, without) {
			a, _ := modelJSON(with)
			b, _ := modelJSON(without)
			t.Errorf("%s: models differ beyond BGP:\n%s\nvs\n%s", name, a, b)
		}
	}
}

func TestBGPDefaults(t *testing.T) {
	c := mustParse(t, `bgplocalas=65010
bgppeer=192.0.2.1 65000
virtual=192.0.2.10:80
	real=10.0.0.2:80 gate
	announce=yes
virtual6=[2001:db8::10]:80
	real6=[2001:db8:1::2]:80 gate
	announce=yes
virtual=192.0.2.11:80
	real=10.0.0.2:80 gate
	announce=yes
	announce=no
virtual=192.0.2.12:80
	real=10.0.0.2:80 gate
	announce=192.0.2.12
`)
	b := c.Global.BGP
	if b.WithdrawDelay != 2*time.Second || b.MED != 0 || b.NextHop.IsValid() || b.RouterID.IsValid() || len(b.Communities) != 0 || b.WithdrawFile != "" {
		t.Errorf("global defaults: %+v", b)
	}
	p := b.Peers[0]
	if p.HoldTime != 0 || p.Port != 0 || p.Multihop != 0 || p.Passive || p.Password.IsSet() {
		t.Errorf("peer defaults: %+v", p)
	}
	want := []*Announce{
		{Line: 5, Prefix: netip.MustParsePrefix("192.0.2.10/32"), Threshold: Threshold{N: 1}},
		{Line: 8, Prefix: netip.MustParsePrefix("2001:db8::10/128"), Threshold: Threshold{N: 1}},
		nil,
		{Line: 15, Prefix: netip.MustParsePrefix("192.0.2.12/32"), Threshold: Threshold{N: 1}},
	}
	for i, v := range c.Virtuals {
		if !reflect.DeepEqual(v.Announce, want[i]) {
			t.Errorf("virtual %d: announce %+v, want %+v", i, v.Announce, want[i])
		}
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
}

// TestBGPLastWins: a repeated global BGP directive replaces the earlier
// one, as ldirectord's own globals do; announcemed beats bgpmed wherever
// bgpmed is.
func TestBGPLastWins(t *testing.T) {
	c := mustParse(t, `bgplocalas=65001
bgpnexthop=192.0.2.5
bgpmed=7
virtual=192.0.2.10:80
	real=10.0.0.2:80 gate
	announce=yes
	announcemed=3
virtual=192.0.2.11:80
	real=10.0.0.2:80 gate
	announce=yes
	announcethreshold=40%
	announcethreshold=1
bgplocalas=65002
bgpnexthop=self
bgpcommunities=1:1
bgpcommunities=2:2
bgpmed=9
`)
	b := c.Global.BGP
	if b.LocalAS != 65002 || b.Line != 13 || b.NextHop.IsValid() || !reflect.DeepEqual(b.Communities, []Community{{2, 2}}) || b.MED != 9 {
		t.Errorf("globals: %+v", b)
	}
	if m := c.Virtuals[0].Announce.MED; m != 3 {
		t.Errorf("announcemed: %d", m)
	}
	if a := c.Virtuals[1].Announce; a.MED != 9 || a.Threshold != (Threshold{N: 1}) {
		t.Errorf("second virtual: %+v", a)
	}
}

func TestBGPPeerForms(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"bgppeer = 192.0.2.1 65000", "192.0.2.1 65000"},
		{"bgppeer=::ffff:192.0.2.1 4294967295 multihop=255 port=65535 holdtime=65535", "192.0.2.1 4294967295 holdtime=65535 port=65535 multihop=255"},
		{"bgppeer =\t2001:db8::1   65000\tpassive  holdtime=3 \t# comment", "2001:db8::1 65000 holdtime=3 passive"},
		{"bgppeer = 192.0.2.1 65000 password=" + strings.Repeat("x", 80), "192.0.2.1 65000 password=<redacted>"},
	} {
		c := mustParse(t, "bgplocalas=65010\n"+tc.line+"\n")
		if got := c.Global.BGP.Peers[0].String(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestBGPErrorLines: messages and lines of errors found only once the
// whole file is read.
func TestBGPErrorLines(t *testing.T) {
	for _, tc := range []struct {
		src, msg string
		line     int
	}{
		{"virtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate\n\tannounce=192.0.2.0/28\nbgplocalas=65010\nvirtual=192.0.2.20:80\n\treal=10.0.0.2:80 gate\n\tannounce=192.0.2.0/28\n",
			"announce prefix 192.0.2.0/28 does not contain the virtual address 192.0.2.20", 7},
		{"bgpwithdrawdelay=1\nbgpmed=1\n", "bgpwithdrawdelay needs bgplocalas (BGP is off without it)", 1},
		{"virtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate\n\tannounce=no\n\tannounce=yes\nbgpmed=1\n", "announce needs bgplocalas (BGP is off without it)", 4},
		{"bgplocalas=1\nvirtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate\n\tannounce=yes # like this\n\tannounce=2001:db8::/32\n", "announce prefix 2001:db8::/32 is of the wrong family: an IPv4 prefix for virtual= is required", 5},
	} {
		msg, line, status := parseErr(t, tc.src)
		if msg != tc.msg || line != tc.line || status != ExitConfigError {
			t.Errorf("%q:\n got %d %q (exit %d)\nwant %d %q", tc.src, line, msg, status, tc.line, tc.msg)
		}
	}
}

func TestThresholdText(t *testing.T) {
	for _, tc := range []struct {
		th   Threshold
		want string
	}{{Threshold{N: 1}, "1"}, {Threshold{N: 50, Percent: true}, "50%"}} {
		b, _ := tc.th.MarshalText()
		if tc.th.String() != tc.want || string(b) != tc.want {
			t.Errorf("%+v: %s / %s", tc.th, tc.th, b)
		}
	}
}

// TestScaleOutExample: the example of docs/scale-out.md (a copy in
// examples/) reads without warnings and announces what the text says.
func TestScaleOutExample(t *testing.T) {
	src, err := os.ReadFile("../examples/scale-out.cf")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/scale-out.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```\n"+string(src)+"```\n") {
		t.Error("examples/scale-out.cf differs from the example in docs/scale-out.md")
	}
	c := mustParse(t, string(src))
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	b := c.Global.BGP
	if b == nil || len(b.Peers) != 2 || b.WithdrawFile != "/etc/ha.d/withdraw" || !b.Peers[0].Password.IsSet() {
		t.Fatalf("BGP: %+v", b)
	}
	for _, v := range c.Virtuals {
		if v.Announce == nil || v.Announce.Prefix != netip.MustParsePrefix("192.0.2.100/32") {
			t.Errorf("virtual on line %d: %+v", v.Line, v.Announce)
		}
	}
}
