package ipvsadm

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
	fixtures, _ := filepath.Glob("../../testdata/ipvsconn/*.conn")
	if len(fixtures) < 5 {
		t.Fatalf("fixtures: %v", fixtures)
	}
	for _, f := range fixtures {
		for suffix, format := range map[string]Format{".lcn": FmtNumeric, ".lcnp": FmtNumeric | FmtPersistentConn} {
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
