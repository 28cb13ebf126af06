package ipvsadm_test

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// benchRules is make bench's table in small: n/5 services of 4 reals,
// mixed schedulers and persistence.
func benchRules(n int) string {
	var b strings.Builder
	sched := []string{"rr", "wrr", "lc", "wlc", "sh", "mh", "sed", "nq"}
	for i := range n / 5 {
		a, c := i/250, i%250+1
		vip := fmt.Sprintf("10.%d.%d.%d:%d", 100+a/250, a%250, c, 80+i%3)
		fmt.Fprintf(&b, "-A -t %s -s %s", vip, sched[i%8])
		if i%3 == 0 {
			fmt.Fprintf(&b, " -p %d", 60+i%600)
		}
		b.WriteString("\n")
		for r := 1; r <= 4; r++ {
			fmt.Fprintf(&b, "-a -t %s -r 172.%d.%d.%d:8080 -m -w %d\n", vip, 16+r, a%250, c, r)
		}
	}
	return b.String()
}

func benchRunner(f *ipvstest.Fake, stdin io.Reader) *ipvsadm.Runner {
	return &ipvsadm.Runner{Prog: "ipvsadm", Client: f, Res: nameless{}, Stdin: stdin,
		Stdout: bufio.NewWriterSize(io.Discard, 64*1024), Stderr: io.Discard}
}

// The CPU lvsctl spends on a listing of 25,000 rules besides the kernel's.
func BenchmarkListNumeric(b *testing.B) { benchList(b, "-Ln") }
func BenchmarkSaveNumeric(b *testing.B) { benchList(b, "-Sn") }

func benchList(b *testing.B, arg string) {
	f := ipvstest.NewFake()
	if _, errs, rc := runIpvsadm(f, benchRules(25000), "-R"); rc != 0 {
		b.Fatalf("-R: %d %s", rc, errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rc := benchRunner(f, nil).Main([]string{arg}); rc != 0 {
			b.Fatalf("%s: %d", arg, rc)
		}
	}
}

// The CPU lvsctl spends parsing a 25,000-rule restore besides the kernel's.
func BenchmarkRestore(b *testing.B) {
	rules := benchRules(25000)
	b.ReportAllocs()
	for b.Loop() {
		f := ipvstest.NewFake()
		if rc := benchRunner(f, strings.NewReader(rules)).Main([]string{"-R"}); rc != 0 {
			b.Fatalf("-R: %d", rc)
		}
	}
}

// The CPU of ipvsadm -Lcn over 100,000 entries (make bench's generator).
func BenchmarkConnections(b *testing.B) {
	var in strings.Builder
	in.WriteString("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n")
	for i := range 100000 {
		c := 3221225984 + i%65000
		port := 1024 + i%60000
		st := "ESTABLISHED"
		if i%10 == 0 {
			port, st = 0, "NONE"
		}
		fmt.Fprintf(&in, "TCP %08X %04X %08X %04X %08X %04X %-11s %7d\n", c, port, 3221226084, 80, 168427778+i%4, 80, st, i%900)
	}
	data := in.String()
	b.ReportAllocs()
	for b.Loop() {
		p := &ipvsadm.Printer{W: bufio.NewWriterSize(io.Discard, 64*1024), Format: ipvsadm.FmtNumeric}
		if err := p.Connections(strings.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
