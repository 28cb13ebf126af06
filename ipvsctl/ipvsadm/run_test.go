package ipvsadm_test

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

type nameless struct{}

func (nameless) HostToAddr(string) (netip.Addr, bool)                  { return netip.Addr{}, false }
func (nameless) AddrToHost(netip.Addr) (string, bool)                  { return "", false }
func (nameless) ServiceToPort(string, ipvsctl.Protocol) (uint16, bool) { return 0, false }
func (nameless) PortToService(uint16, ipvsctl.Protocol) (string, bool) { return "", false }

// runIpvsadm runs one command line against the fake and returns stdout,
// stderr and the exit status.
func runIpvsadm(f *ipvstest.Fake, stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	r := &ipvsadm.Runner{Prog: "ipvsadm", Client: f, Res: nameless{}, Stdin: strings.NewReader(stdin),
		Stdout: bufio.NewWriter(&out), Stderr: &errb}
	rc := r.Main(args)
	return out.String(), errb.String(), rc
}

func mustRun(t *testing.T, f *ipvstest.Fake, line string) {
	t.Helper()
	if _, e, rc := runIpvsadm(f, "", strings.Fields(line)...); rc != 0 {
		t.Fatalf("%s: rc %d %s", line, rc, e)
	}
}

func TestListingBytes(t *testing.T) {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -t 192.0.2.1:80 -s wrr -p 600 -M 255.255.255.0")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2147483647")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.2 -g")
	mustRun(t, f, "-A -f 7 -s sh -b sh-port")
	out, _, rc := runIpvsadm(f, "", "-Ln")
	want := "IP Virtual Server version 1.2.1 (size=4096)\n" +
		"Prot LocalAddress:Port Scheduler Flags\n" +
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n" +
		"TCP  192.0.2.1:80 wrr persistent 600 mask 255.255.255.0\n" +
		"  -> 10.0.0.2:80                  Route   1      0          0         \n" +
		"  -> 10.0.0.3:80                  Masq    2147483647 0          0         \n" +
		"FWM  7 sh (sh-port)\n"
	if rc != 0 || out != want {
		t.Errorf("-Ln rc %d:\n%q\nwant\n%q", rc, out, want)
	}
	out, _, _ = runIpvsadm(f, "", "-Sn")
	want = "-A -t 192.0.2.1:80 -s wrr -p 600 -M 255.255.255.0\n" +
		"-a -t 192.0.2.1:80 -r 10.0.0.2:80 -g -w 1\n" +
		"-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 2147483647\n" +
		"-A -f 7 -s sh -b sh-port\n"
	if out != want {
		t.Errorf("-Sn:\n%q\nwant\n%q", out, want)
	}
	out, _, _ = runIpvsadm(f, "", "-L", "-n", "--stats")
	if !strings.HasPrefix(out, "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\nTCP  192.0.2.1:80                        0        0        0        0        0\n") {
		t.Errorf("--stats:\n%q", out)
	}
}

func TestListMissingServiceExitsOne(t *testing.T) {
	f := ipvstest.NewFake()
	out, errs, rc := runIpvsadm(f, "", "-L", "-n", "-t", "192.0.2.9:80")
	if out != "" || errs != "No such service\n" || rc != 1 {
		t.Errorf("got %q %q %d", out, errs, rc)
	}
}

func TestKernelErrorsExit255(t *testing.T) {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -t 192.0.2.1:80")
	for line, msg := range map[string]string{
		"-A -t 192.0.2.1:80":                  "Service already exists\n",
		"-D -t 192.0.2.2:80":                  "No such service\n",
		"-a -t 192.0.2.2:80 -r 10.0.0.2":      "Service not defined\n",
		"-d -t 192.0.2.1:80 -r 10.0.0.2":      "No such destination\n",
		"-e -t 192.0.2.1:80 -r 10.0.0.2 -w 3": "No such destination\n",
	} {
		_, errs, rc := runIpvsadm(f, "", strings.Fields(line)...)
		if errs != msg || rc != 255 {
			t.Errorf("%s: got %q %d, want %q 255", line, errs, rc, msg)
		}
	}
}

func TestRestoreAbortAndContinue(t *testing.T) {
	f := ipvstest.NewFake()
	// a kernel refusal in the middle: printed, restore goes on, status 0
	_, errs, rc := runIpvsadm(f, "-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80\n-A -t 192.0.2.2:80\n", "-R")
	if errs != "Service already exists\n" || rc != 0 {
		t.Errorf("continue: %q %d", errs, rc)
	}
	// a parse error stops it: later lines are not run
	_, errs, rc = runIpvsadm(f, "-A -t 192.0.2.3:80\n-A -t bogus!:80\n-A -t 192.0.2.4:80\n", "-R")
	if errs != "illegal virtual server address[:port] specified\n" || rc != 2 {
		t.Errorf("abort: %q %d", errs, rc)
	}
	out, _, _ := runIpvsadm(f, "", "-Sn")
	want := "-A -t 192.0.2.1:80 -s wlc\n-A -t 192.0.2.2:80 -s wlc\n-A -t 192.0.2.3:80 -s wlc\n"
	if out != want {
		t.Errorf("table after restores:\n%q\nwant\n%q", out, want)
	}
	// the last line's status is the restore's
	_, _, rc = runIpvsadm(f, "-A -t 192.0.2.1:80\n", "-R")
	if rc != 255 {
		t.Errorf("failing last line: rc %d", rc)
	}
	// -R inside -R is ipvsadm's "Try" and stops
	_, errs, rc = runIpvsadm(f, "-R\n-A -t 192.0.2.9:80\n", "-R")
	if !strings.HasPrefix(errs, "Try `ipvsadm -h'") || rc != 255 {
		t.Errorf("nested: %q %d", errs, rc)
	}
}

func TestHelpAndVersionIgnoreTheRest(t *testing.T) {
	f := ipvstest.NewFake()
	out, _, rc := runIpvsadm(f, "", "-v", "-t", "junk")
	if out != ipvsadm.VersionLine || rc != 0 {
		t.Errorf("-v: %q %d", out, rc)
	}
	out, _, rc = runIpvsadm(f, "", "-h", "-n")
	if !strings.Contains(out, "\n  ipvsadm -A|E virtual-service [-s scheduler]") || rc != 0 {
		t.Errorf("-h: %d %q", rc, out)
	}
}
