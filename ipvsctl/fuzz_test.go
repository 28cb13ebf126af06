package ipvsctl_test

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// FuzzConnScanner: any /proc/net/ip_vs_conn content is scanned without
// panicking into exactly the entries a plain field split finds (a line
// after the header with at least nine fields), each with those fields,
// and ipvsadm -Lc lists them one line each in every format. make
// fuzz-short runs it briefly (e2e/fuzz.sh); failing inputs go to
// testdata/fuzz/FuzzConnScanner/.
func FuzzConnScanner(f *testing.F) {
	files, _ := filepath.Glob("../testdata/ipvsconn/*.conn")
	if len(files) == 0 {
		f.Fatal("no fixtures in ../testdata/ipvsconn")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 16<<10 {
			return
		}
		var want [][]string
		for i, l := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
			fs := strings.FieldsFunc(strings.TrimSuffix(l, "\r"), func(r rune) bool { return r == ' ' || r == '\t' })
			if i > 0 && len(fs) >= 9 {
				want = append(want, fs[:min(len(fs), 11)])
			}
		}
		sc := ipvsctl.NewConnScanner(strings.NewReader(in))
		n := 0
		for sc.Scan() {
			if n >= len(want) {
				t.Fatalf("entry %d beyond the %d lines with nine fields", n+1, len(want))
			}
			c, w := sc.Conn(), want[n]
			expires, _ := strconv.Atoi(w[8])
			if c.Protocol != w[0] || c.State != w[7] || c.Expires != expires || c.Fields != len(w) ||
				len(w) > 9 && c.PEName != w[9] || len(w) > 10 && c.PEData != w[10] {
				t.Fatalf("entry %d: %+v from fields %q", n+1, *c, w)
			}
			n++
		}
		if sc.Err() != nil || n != len(want) {
			t.Fatalf("%d entries of %d, %v", n, len(want), sc.Err())
		}
		for _, format := range []ipvsadm.Format{0, ipvsadm.FmtNumeric, ipvsadm.FmtNumeric | ipvsadm.FmtPersistentConn} {
			var out bytes.Buffer
			p := &ipvsadm.Printer{W: &out, Res: noNames{}, Format: format}
			if err := p.Connections(strings.NewReader(in)); err != nil {
				if in != "" {
					t.Fatalf("-Lc: %v", err)
				}
				continue
			}
			if lines := strings.Count(out.String(), "\n"); lines != n+2 {
				t.Fatalf("-Lc (%s): %d lines for %d entries:\n%s", format, lines, n, out.String())
			}
		}
	})
}

// noNames resolves nothing: listings stay numeric and hermetic.
type noNames struct{}

func (noNames) HostToAddr(string) (netip.Addr, bool)                  { return netip.Addr{}, false }
func (noNames) AddrToHost(netip.Addr) (string, bool)                  { return "", false }
func (noNames) ServiceToPort(string, ipvsctl.Protocol) (uint16, bool) { return 0, false }
func (noNames) PortToService(uint16, ipvsctl.Protocol) (string, bool) { return "", false }
