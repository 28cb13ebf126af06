package ipvsctl

import (
	"errors"
	"fmt"
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

// A listing allocates nothing per entry (the line is read in place), and
// an entry kept after the next Scan keeps its words: they are copies, not
// the scanner's buffer.
func TestConnScannerAllocatesNothingPerEntry(t *testing.T) {
	const header = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
	lines := func(n int) string {
		var b strings.Builder
		b.WriteString(header)
		states := []string{"ESTABLISHED", "FIN_WAIT", "TIME_WAIT", "SYN_RECV"}
		for i := range n {
			fmt.Fprintf(&b, "TCP C0000201 %04X C0000264 0050 0A0A0103 0050 %-11s %5d\n", i%65536, states[i%len(states)], i%900)
		}
		return b.String()
	}
	allocs := func(n int) float64 {
		in := lines(n)
		return testing.AllocsPerRun(5, func() {
			sc := NewConnScanner(strings.NewReader(in))
			for sc.Scan() {
			}
		})
	}
	small, big := allocs(10), allocs(10000)
	if big > small {
		t.Errorf("%v allocations for 10,000 entries against %v for 10: something is allocated per entry", big, small)
	}

	sc := NewConnScanner(strings.NewReader(header +
		"TCP C0000201 0401 C0000264 0050 0A0A0103 0050 ESTABLISHED     1 sip callid-1\n" +
		"UDP C0000202 0402 C0000264 0035 0A0A0104 0035 UDP           2 xxx callid-2\n"))
	if !sc.Scan() {
		t.Fatal("no first entry")
	}
	first := *sc.Conn()
	if !sc.Scan() {
		t.Fatal("no second entry")
	}
	if first.Protocol != "TCP" || first.State != "ESTABLISHED" || first.PEName != "sip" || first.PEData != "callid-1" {
		t.Errorf("the first entry changed under the second Scan: %+v", first)
	}
	if c := sc.Conn(); c.Protocol != "UDP" || c.State != "UDP" || c.PEData != "callid-2" {
		t.Errorf("second entry: %+v", *c)
	}
}
