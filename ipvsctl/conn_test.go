package ipvsctl

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseConnLine(t *testing.T) {
	c, ok := ParseConnLine("UDP C000020C 0000 C0000264 13C4 0A0A0103 13C4 NONE            179 sip 616c696365")
	if !ok || !c.IsTemplate() || c.Protocol != "UDP" || c.VPort != 5060 || c.Dest.String() != "10.10.1.3" ||
		c.Expires != 179 || c.PEName != "sip" || c.PEData != "616c696365" || c.Fields != 11 {
		t.Errorf("%+v", c)
	}
	c, ok = ParseConnLine("TCP 2001:0db8:0000:0000:0000:0000:0000:000a C350 2001:0db8:0000:0000:0000:0000:0000:0064 0050 0A0A0105 0050 ESTABLISHED     900")
	if !ok || c.Family != AFInet6 || c.DestFamily != AFInet || c.Client.String() != "2001:db8::a" || c.ClientPort != 50000 {
		t.Errorf("%+v", c)
	}
	if _, ok := ParseConnLine("Pro FromIP"); ok {
		t.Error("header accepted")
	}
}

func TestHexValueMatchesParseUint(t *testing.T) {
	for _, s := range []string{"", "0", "50", "0050", "FFFF", "10000", "C0000264", "c0a80001", "FFFFFFFF", "100000000",
		"xyz", "12G4", "-1", "+1", "00000000000000000050", "FFFFFFFFFFFFFFFF1"} {
		for _, bits := range []uint{16, 32} {
			want, _ := strconv.ParseUint(s, 16, int(bits))
			if got := hexValue(s, bits); got != want {
				t.Errorf("hexValue(%q, %d) = %d, want %d", s, bits, got, want)
			}
		}
	}
}

// The scanner skips the header and every line that is no entry, and
// tells a listing without a header from an empty one.
func TestConnScanner(t *testing.T) {
	in := "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n" +
		"TCP C000020A B2C4 C0000264 0050 0A0A0102 0050 ESTABLISHED     899\n" +
		"short line\n" +
		"\n" +
		"UDP C000020C 0000 C0000264 13C4 0A0A0103 13C4 NONE            179 sip 616c696365\n"
	sc := NewConnScanner(strings.NewReader(in))
	var got []string
	for sc.Scan() {
		c := sc.Conn()
		got = append(got, c.Protocol+" "+c.Dest.String()+" "+c.State)
	}
	if sc.Err() != nil || !sc.Header() || strings.Join(got, "|") != "TCP 10.10.1.2 ESTABLISHED|UDP 10.10.1.3 NONE" {
		t.Errorf("got %q, err %v", got, sc.Err())
	}

	sc = NewConnScanner(strings.NewReader("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"))
	if sc.Scan() || !sc.Header() || sc.Err() != nil {
		t.Error("header only: want a header and no entry")
	}
	sc = NewConnScanner(strings.NewReader(""))
	if sc.Header() || sc.Scan() || sc.Err() != nil {
		t.Error("empty input: want no header, no entry, no error")
	}
	boom := errors.New("boom")
	sc = NewConnScanner(io.MultiReader(strings.NewReader(in[:100]), iotest.ErrReader(boom)))
	for sc.Scan() {
	}
	if !errors.Is(sc.Err(), boom) {
		t.Errorf("read error: got %v", sc.Err())
	}
}
