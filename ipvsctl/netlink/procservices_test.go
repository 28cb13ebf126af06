package netlink

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestReadProcServices(t *testing.T) {
	got, err := ReadProcServices(strings.NewReader(procIPVSSample))
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort
	want := []ProcService{
		{Proto: "FWM", FWMark: 1, Reals: []netip.AddrPort{ap("10.10.3.2:0")}},
		{Proto: "SCTP", Addr: ap("192.0.2.101:3000")},
		{Proto: "TCP", Addr: ap("192.0.2.100:80"), Reals: []netip.AddrPort{ap("10.10.1.2:80"), ap("10.10.2.2:8080")}},
		{Proto: "UDP", Addr: ap("[2001:db8::1]:53"), Reals: []netip.AddrPort{ap("[2001:db8::2]:53")}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if _, err := ReadProcServices(strings.NewReader("not the file\n")); err == nil {
		t.Error("another format accepted")
	}
}
