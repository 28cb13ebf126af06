package ipvsctl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The goldens (*.lcn, *.lcnp) are Debian's ipvsadm -Lcn and -Lcn
// --persistent-conn on the fixtures, recorded in the lab
// (RECORD=1 TESTS=TestConnFixtures make e2e); they end with the lab's rc line.
func TestConnectionsGolden(t *testing.T) {
	fixtures, _ := filepath.Glob("../testdata/ipvsconn/*.conn")
	if len(fixtures) < 5 {
		t.Fatalf("fixtures: %v", fixtures)
	}
	for _, f := range fixtures {
		for suffix, format := range map[string]uint{".lcn": FmtNumeric, ".lcnp": FmtNumeric | FmtPersistentConn} {
			golden := strings.TrimSuffix(f, ".conn") + suffix
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			p := &Printer{W: &out, Res: testResolver{}, Format: format}
			if err := p.Connections(in); err != nil {
				t.Fatal(err)
			}
			in.Close()
			got := out.String() + "rc=0\n"
			if got != string(want) {
				t.Errorf("%s:\n%s\nwant\n%s", golden, got, want)
			}
		}
	}
}

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
