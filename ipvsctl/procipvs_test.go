package ipvsctl

import (
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Lines as ip_vs_info_seq_show (Linux 6.1) prints them.
const procIPVSSample = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C0000264:0050 rr ops persistent 300 FFFFFF00
  -> 0A0A0102:0050      Masq    1      2          3         
  -> 0A0A0202:1F90      Route   -1     0          0         
UDP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0035 wlc 
  -> [2001:0db8:0000:0000:0000:0000:0000:0002]:0035      Tunnel  2147483647 0          0         
SCTP  C0000265:0BB8 mh 
FWM  00000001 rr 
  -> 0A0A0302:0000      Local   0      0          0         
FWM  00000002 sh persistent 60 FFFFFFFF
FWM  00000002 sh 
  -> 0A0A0402:0000      Masq    1      0          0         
`

func TestParseProcIPVS(t *testing.T) {
	got, err := parseProcIPVS(strings.NewReader(procIPVSSample))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	want := procTable{
		{proto: "TCP", addr: a("192.0.2.100"), port: 80}: {
			{Family: AFInet, Address: a("10.10.1.2"), Port: 80, FwdMethod: FwdMasq, Weight: 1, ActiveConns: 2, InactConns: 3},
			{Family: AFInet, Address: a("10.10.2.2"), Port: 8080, FwdMethod: FwdRoute, Weight: -1},
		},
		{proto: "UDP", addr: a("2001:db8::1"), port: 53}: {
			{Family: AFInet6, Address: a("2001:db8::2"), Port: 53, FwdMethod: FwdTunnel, Weight: 2147483647},
		},
		{proto: "SCTP", addr: a("192.0.2.101"), port: 3000}: {},
		{proto: "FWM", fwmark: 1}: {
			{Family: AFInet, Address: a("10.10.3.2"), FwdMethod: FwdLocal},
		},
		// fwmark 2 is used by two families: ambiguous, left to netlink
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	tcp := Service{Family: AFInet, Protocol: ProtoTCP, Address: a("192.0.2.100"), Port: 80}
	if d, ok := got.lookup(&tcp, DestBasic); !ok || len(d) != 2 {
		t.Errorf("lookup tcp: %v %v", d, ok)
	}
	udp := Service{Family: AFInet6, Protocol: ProtoUDP, Address: a("2001:db8::1"), Port: 53}
	if _, ok := got.lookup(&udp, DestBasic); !ok {
		t.Error("lookup udp basic: not found")
	}
	if _, ok := got.lookup(&udp, DestTunnel); ok {
		t.Error("lookup udp with tunnel detail: a tunnel's type is not in the file")
	}
	fwm2 := Service{Family: AFInet, FWMark: 2}
	if _, ok := got.lookup(&fwm2, DestBasic); ok {
		t.Error("ambiguous fwmark answered from the file")
	}
	missing := Service{Family: AFInet, Protocol: ProtoTCP, Address: a("192.0.2.100"), Port: 81}
	if _, ok := got.lookup(&missing, DestBasic); ok {
		t.Error("missing service answered")
	}
}

func TestParseProcIPVSRejectsOtherFormats(t *testing.T) {
	for _, in := range []string{
		"",
		"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n",
		strings.Replace(procIPVSSample, "Masq ", "Bogus", 1),
		strings.Replace(procIPVSSample, "C0000264:0050", "C00264:0050", 1),
		"IP Virtual Server version 1.2.1 (size=4096)\nx\ny\n  -> 0A0A0102:0050      Masq    1      2          3\n",
	} {
		if tab, err := parseProcIPVS(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q: %v", in, tab)
		}
	}
}

func TestDetailFor(t *testing.T) {
	for f, want := range map[uint]DestDetail{
		0: DestBasic, FmtNumeric: DestBasic, FmtRule: DestTunnel, FmtRule | FmtNumeric: DestTunnel,
		FmtStats: DestFull, FmtRate: DestFull, FmtThresholds: DestFull, FmtPersistentConn: DestFull,
		FmtTunInfo: DestTunnel,
	} {
		if got := DetailFor(f); got != want {
			t.Errorf("DetailFor(%#x) = %d, want %d", f, got, want)
		}
	}
}

// The hand-made padding must print what C's printf (and fmt, for ASCII)
// prints.
func TestPaddingMatchesPrintf(t *testing.T) {
	for _, s := range []string{"", "Masq", "10.0.0.1:80", strings.Repeat("x", 28), strings.Repeat("y", 30)} {
		if got, want := string(padRight(nil, s, 28)), fmt.Sprintf("%-28s", s); got != want {
			t.Errorf("padRight(%q) = %q, want %q", s, got, want)
		}
	}
	for _, v := range []int64{0, 1, -1, 2147483647, -2147483648, 4294967295} {
		if got, want := string(intLeft([]byte("x"), v, 10)), fmt.Sprintf("x%-10d", v); got != want {
			t.Errorf("intLeft(%d) = %q, want %q", v, got, want)
		}
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
