package netlink

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
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
			{Family: ipvsctl.AFInet, Address: a("10.10.1.2"), Port: 80, FwdMethod: ipvsctl.FwdMasq, Weight: 1, ActiveConns: 2, InactConns: 3},
			{Family: ipvsctl.AFInet, Address: a("10.10.2.2"), Port: 8080, FwdMethod: ipvsctl.FwdRoute, Weight: -1},
		},
		{proto: "UDP", addr: a("2001:db8::1"), port: 53}: {
			{Family: ipvsctl.AFInet6, Address: a("2001:db8::2"), Port: 53, FwdMethod: ipvsctl.FwdTunnel, Weight: 2147483647},
		},
		{proto: "SCTP", addr: a("192.0.2.101"), port: 3000}: {},
		{proto: "FWM", fwmark: 1}: {
			{Family: ipvsctl.AFInet, Address: a("10.10.3.2"), FwdMethod: ipvsctl.FwdLocal},
		},
		// fwmark 2 is used by two families: ambiguous, left to netlink
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	tcp := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: a("192.0.2.100"), Port: 80}
	if d, ok := got.lookup(&tcp, ipvsctl.DestBasic); !ok || len(d) != 2 {
		t.Errorf("lookup tcp: %v %v", d, ok)
	}
	udp := ipvsctl.Service{Family: ipvsctl.AFInet6, Protocol: ipvsctl.ProtoUDP, Address: a("2001:db8::1"), Port: 53}
	if _, ok := got.lookup(&udp, ipvsctl.DestBasic); !ok {
		t.Error("lookup udp basic: not found")
	}
	if _, ok := got.lookup(&udp, ipvsctl.DestTunnel); ok {
		t.Error("lookup udp with tunnel detail: a tunnel's type is not in the file")
	}
	fwm2 := ipvsctl.Service{Family: ipvsctl.AFInet, FWMark: 2}
	if _, ok := got.lookup(&fwm2, ipvsctl.DestBasic); ok {
		t.Error("ambiguous fwmark answered from the file")
	}
	missing := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: a("192.0.2.100"), Port: 81}
	if _, ok := got.lookup(&missing, ipvsctl.DestBasic); ok {
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
