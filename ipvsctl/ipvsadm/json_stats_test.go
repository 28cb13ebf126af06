package ipvsadm_test

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

// liveClient is the fake with the numbers only a kernel fills in:
// counters, rates and connection counts, each field a different value.
type liveClient struct{ *ipvstest.Fake }

func liveStats(base uint64) ipvsctl.Stats {
	return ipvsctl.Stats{Conns: base + 1, InPkts: base + 2, OutPkts: base + 3, InBytes: base + 4, OutBytes: base + 5,
		CPS: base + 6, InPPS: base + 7, OutPPS: base + 8, InBPS: base + 9, OutBPS: base + 10}
}

// Above 2^53: a counter must come out exact, not as a float.
const bigCounter = 1<<60 + 1

func (c liveClient) Services() ([]ipvsctl.Service, error) {
	s, err := c.Fake.Services()
	for i := range s {
		s[i].Stats = liveStats(bigCounter)
	}
	return s, err
}

func (c liveClient) Destinations(svc *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	d, err := c.Fake.Destinations(svc)
	for i := range d {
		d[i].ActiveConns, d[i].InactConns, d[i].PersistConns = 11, 12, 13
		d[i].Stats = liveStats(100)
	}
	return d, err
}

// -L --json with each display option carries the live numbers of every
// column of --stats, --rate, --thresholds and --persistent-conn, exactly.
func TestJSONLiveNumbers(t *testing.T) {
	f := ipvstest.NewFake()
	mustRun(t, f, "-A -t 192.0.2.1:80 -s wrr -p 600")
	mustRun(t, f, "-a -t 192.0.2.1:80 -r 10.0.0.3:80 -m -w 7 -x 100 -y 10")
	for _, opt := range []string{"--stats", "--rate", "--thresholds", "--persistent-conn", "--exact"} {
		var out, errb bytes.Buffer
		r := &ipvsadm.Runner{Prog: "lvsctl", Client: liveClient{f}, Res: nameless{}, Stdin: strings.NewReader(""),
			Stdout: bufio.NewWriter(&out), Stderr: &errb, Extensions: true}
		if rc := r.Main([]string{"-L", "-n", opt, "--json"}); rc != 0 || errb.Len() > 0 {
			t.Fatalf("%s: rc %d %q", opt, rc, errb.String())
		}
		doc := decode[ipvsadm.JSONServices](t, out.String())
		s := doc.Services[0]
		if s.Stats != (ipvsctl.JSONStats{Conns: bigCounter + 1, InPackets: bigCounter + 2, OutPackets: bigCounter + 3, InBytes: bigCounter + 4, OutBytes: bigCounter + 5}) ||
			s.Rate != (ipvsctl.JSONRate{CPS: bigCounter + 6, InPPS: bigCounter + 7, OutPPS: bigCounter + 8, InBPS: bigCounter + 9, OutBPS: bigCounter + 10}) {
			t.Errorf("%s: service numbers %+v %+v", opt, s.Stats, s.Rate)
		}
		if !strings.Contains(out.String(), `"conns": 1152921504606846978,`) {
			t.Errorf("%s: a 64-bit counter is not written exactly:\n%s", opt, out.String())
		}
		d := s.Destinations[0]
		if d.ActiveConns != 11 || d.InactiveConns != 12 || d.PersistentConns != 13 || d.UpperThreshold != 100 || d.LowerThreshold != 10 ||
			d.Stats != (ipvsctl.JSONStats{Conns: 101, InPackets: 102, OutPackets: 103, InBytes: 104, OutBytes: 105}) || d.Rate != (ipvsctl.JSONRate{CPS: 106, InPPS: 107, OutPPS: 108, InBPS: 109, OutBPS: 110}) {
			t.Errorf("%s: destination numbers %+v", opt, d)
		}
	}
}
