package ipvsadm_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// Fuzz targets of the ipvsadm personality's parsers: the argv grammar,
// -R input (plain and --atomic) and the table files of diff and apply
// (the connection listing's is ipvsctl's FuzzConnScanner).
// No input may panic; each target also holds a property the parser must
// keep. make fuzz-short runs each briefly, make fuzz for longer
// (e2e/fuzz.sh); failing inputs go to testdata/fuzz/FuzzX/ and stay there
// as regression tests.

// fuzzInput bounds what a target looks at: the parsers' cost grows with
// the input, the properties do not need more.
const fuzzInput = 16 << 10

// sequenceSeeds are the command lines and -R inputs of the lab's
// differential sequences: argv lines one word per line, -R inputs as
// they are.
func sequenceSeeds(f *testing.F) (argvs, inputs []string) {
	files, _ := filepath.Glob("../../e2e/sequences/*.sh")
	if len(files) == 0 {
		f.Fatal("no sequences in ../../e2e/sequences")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var here *strings.Builder
		for _, line := range strings.Split(string(b), "\n") {
			switch {
			case here != nil && line == "X":
				inputs = append(inputs, here.String())
				here = nil
			case here != nil:
				here.WriteString(line + "\n")
			case strings.HasPrefix(line, "run ipvsadm "):
				words := shellWords(strings.TrimPrefix(line, "run ipvsadm "))
				if i := indexOf(words, "<<X"); i >= 0 {
					words = words[:i]
					here = &strings.Builder{}
				}
				argvs = append(argvs, strings.Join(words, "\n"))
			}
		}
	}
	return argvs, inputs
}

func indexOf(words []string, w string) int {
	for i := range words {
		if words[i] == w {
			return i
		}
	}
	return -1
}

// shellWords splits a sequence's simple command line: blanks, and single
// quotes that keep blanks.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted, in = !quoted, true
		case c == ' ' && !quoted:
			if in {
				out = append(out, cur.String())
				cur.Reset()
			}
			in = false
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// FuzzParseArgs: any argv is parsed or refused with ipvsadm's kind of
// error, by both grammars; a rule it accepts, written back as diff writes
// it, parses to the same rule (the written form is a fixpoint).
func FuzzParseArgs(f *testing.F) {
	argvs, _ := sequenceSeeds(f)
	for _, a := range argvs {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > fuzzInput {
			return
		}
		args := strings.Split(s, "\n")
		for _, parse := range []func(string, []string, ipvsadm.Resolver) (*ipvsadm.Command, error){ipvsadm.Parse, ipvsadm.ParseExt} {
			c, err := parse("ipvsadm", args, nameless{})
			if err != nil {
				var ee *ipvsadm.ExitError
				var re *ipvsadm.ReturnError
				if !errors.As(err, &ee) && !errors.As(err, &re) {
					t.Fatalf("%q: error of type %T: %v", args, err, err)
				}
				continue
			}
			// A name with a blank, or the word -R drops, cannot be one
			// word of a -R line; the kernel has no such scheduler or
			// engine to list anyway.
			if strings.ContainsAny(c.Svc.Scheduler+c.Svc.PEName, " \t\r\n\x00") || c.Svc.Scheduler == "ipvsadm" || c.Svc.PEName == "ipvsadm" {
				continue
			}
			if line, ok := ruleLine(c); ok {
				words := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }) // as -R reads it
				c2, err := ipvsadm.Parse("ipvsadm", words, nameless{})
				if err != nil {
					t.Fatalf("%q is written %q, which is refused: %v", args, line, err)
				}
				if again, _ := ruleLine(c2); again != line {
					t.Fatalf("%q is written %q, read back and written %q", args, line, again)
				}
			}
		}
	})
}

// ruleLine is an accepted -A/-E/-a/-e command as diff writes it.
func ruleLine(c *ipvsadm.Command) (string, bool) {
	ops := map[ipvsadm.Cmd]ipvsctl.ChangeOp{ipvsadm.CmdAdd: ipvsctl.OpAddSvc, ipvsadm.CmdEdit: ipvsctl.OpEditSvc,
		ipvsadm.CmdAddDest: ipvsctl.OpAddDst, ipvsadm.CmdEditDest: ipvsctl.OpEditDst}
	op, ok := ops[c.Cmd]
	if !ok {
		return "", false
	}
	ch := ipvsctl.Change{Op: op, Service: c.Svc}
	if c.Cmd == ipvsadm.CmdAddDest || c.Cmd == ipvsadm.CmdEditDest {
		d := c.Dest
		ch.Dest = &d
	}
	return ipvsadm.CommandLine(&ch), true
}

// fakeState is everything -R can change in the fake.
func fakeState(f *ipvstest.Fake) string {
	tm, _ := f.Timeouts()
	ds, _ := f.Daemons()
	return fmt.Sprintf("%stimeouts %v daemons %v", f.Dump(), tm, ds)
}

// fuzzRunner runs -R on a client; nothing it prints is kept.
func fuzzRunner(c ipvsctl.Client, ext bool, in string) *ipvsadm.Runner {
	return &ipvsadm.Runner{Prog: "ipvsadm", Client: c, Res: nameless{}, Stdin: strings.NewReader(in),
		Stdout: bufio.NewWriter(io.Discard), Stderr: io.Discard, Extensions: ext, ConnFile: "../../testdata/ipvsconn/tcp4.conn"}
}

// FuzzRestore: -R of any input ends with one of ipvsadm's statuses;
// -R --atomic, pipelined or not, either makes every line hold (and then
// leaves the table plain -R leaves) or leaves the table as it was.
func FuzzRestore(f *testing.F) {
	_, inputs := sequenceSeeds(f)
	for _, in := range inputs {
		f.Add(in)
	}
	f.Add(everyWrite)
	f.Add(atomicSite + "-C\n--set 1 2 3\n-A -t 192.0.2.1:80\n")
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzInput {
			return
		}
		site := func() *ipvstest.Fake {
			s := ipvstest.NewFake()
			if rc := fuzzRunner(s, false, atomicSite).Main([]string{"-R"}); rc != 0 {
				t.Fatalf("site: %d", rc)
			}
			return s
		}
		plain := site()
		rc := fuzzRunner(plain, false, in).Main([]string{"-R"})
		if rc != 0 && rc != 1 && rc != 2 && rc != 255 {
			t.Fatalf("-R exit status %d", rc)
		}
		for _, batching := range []bool{false, true} {
			f := site()
			before := fakeState(f)
			var c ipvsctl.Client = f
			if batching {
				c = ipvstest.NewBatching(f)
			}
			arc := fuzzRunner(c, true, in).Main([]string{"-R", "--atomic"})
			switch after := fakeState(f); {
			case arc != 0 && after != before:
				t.Fatalf("-R --atomic (pipelined %v) exit %d changed the table:\n%s\nbefore:\n%s", batching, arc, after, before)
			case arc == 0 && after != fakeState(plain):
				t.Fatalf("-R --atomic (pipelined %v) left\n%s\nplain -R (exit %d) left\n%s", batching, after, rc, fakeState(plain))
			}
		}
	})
}

// FuzzTableFile: a table file that reads, applied to an empty table,
// is made whole and saves as its normal form (the table's own -S -n
// lines), and a second apply has nothing to do.
func FuzzTableFile(f *testing.F) {
	_, inputs := sequenceSeeds(f)
	for _, in := range inputs {
		f.Add(in)
	}
	f.Add(siteFile)
	f.Add(atomicSite)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzInput {
			return
		}
		want, err := ipvsadm.ReadTable(strings.NewReader(in), "lvsctl", nameless{})
		if err != nil {
			return
		}
		fk := ipvstest.NewFake()
		var out bytes.Buffer
		r := &ipvsadm.Runner{Prog: "lvsctl", Client: fk, Res: nameless{}, Stdout: bufio.NewWriter(&out), Stderr: io.Discard, Extensions: true}
		res := r.Apply(ipvsctl.DiffTables(nil, want))
		if res.Refused >= 0 {
			t.Fatalf("apply to an empty table: change %d refused: %v", res.Refused, res.Errs[res.Refused])
		}
		saved, _, rc := runIpvsadm(fk, "", "-Sn")
		if norm := normalForm(want); rc != 0 || saved != norm {
			t.Fatalf("-Sn after apply (exit %d):\n%s\nnormal form:\n%s", rc, saved, norm)
		}
		have, err := ipvsctl.ReadKernelTable(fk)
		if err != nil {
			t.Fatal(err)
		}
		if again := ipvsctl.DiffTables(have, want); len(again) != 0 {
			t.Fatalf("second apply would change %q", lines(again))
		}
	})
}

// normalForm is a table as ipvsadm -S -n writes it: services and real
// servers in ipvsadm's order, each in its own canonical words.
func normalForm(table []ipvsctl.VirtualService) string {
	svcs := make([]ipvsctl.Service, len(table))
	dests := map[ipvsctl.ServiceKey][]ipvsctl.Destination{}
	for i := range table {
		svcs[i] = table[i].Service
		dests[svcs[i].Key()] = append([]ipvsctl.Destination(nil), table[i].Destinations...)
	}
	ipvsctl.SortServices(svcs)
	var b strings.Builder
	p := &ipvsadm.Printer{W: &b, Format: ipvsadm.FmtRule | ipvsadm.FmtNumeric}
	for i := range svcs {
		p.Service(&svcs[i], dests[svcs[i].Key()])
	}
	return b.String()
}
