package netlink

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// FuzzProcIPVS: any /proc/net/ip_vs content is parsed or refused without
// panicking, and what is parsed, written back in the kernel's format,
// parses to the same table. make fuzz-short runs it briefly (e2e/fuzz.sh);
// failing inputs go to testdata/fuzz/FuzzProcIPVS/.
func FuzzProcIPVS(f *testing.F) {
	f.Add(procIPVSSample)
	for _, in := range []string{"", "IP Virtual Server version 1.2.1 (size=4096)\n", strings.Replace(procIPVSSample, "Masq ", "Bogus", 1)} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 16<<10 {
			return
		}
		tab, err := parseProcIPVS(strings.NewReader(in))
		if err != nil {
			return
		}
		for k, ds := range tab {
			s := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: k.addr, Port: k.port, FWMark: k.fwmark}
			tab.lookup(&s, ipvsctl.DestTunnel)
			for i := range ds {
				if _, ok := ipvsctl.FwdName(ds[i].FwdMethod); !ok {
					t.Fatalf("%v: forwarding method %d", k, ds[i].FwdMethod)
				}
			}
		}
		text := renderProcIPVS(tab)
		back, err := parseProcIPVS(strings.NewReader(text))
		if err != nil || !reflect.DeepEqual(back, tab) {
			t.Fatalf("parsed %v\nwritten\n%s\nread back %v %v", tab, text, back, err)
		}
	})
}

// renderProcIPVS writes a table as ip_vs_info_seq_show does.
func renderProcIPVS(tab procTable) string {
	var b strings.Builder
	b.WriteString("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n")
	addrPort := func(a netip.Addr, port uint16) string {
		if a.Is4() {
			v := a.As4()
			return fmt.Sprintf("%02X%02X%02X%02X:%04X", v[0], v[1], v[2], v[3], port)
		}
		return fmt.Sprintf("[%s]:%04X", a.StringExpanded(), port)
	}
	for k, ds := range tab {
		if k.proto == "FWM" {
			fmt.Fprintf(&b, "FWM  %08X rr \n", k.fwmark)
		} else {
			fmt.Fprintf(&b, "%s  %s rr \n", k.proto, addrPort(k.addr, k.port))
		}
		for _, d := range ds {
			name, _ := ipvsctl.FwdName(d.FwdMethod)
			fmt.Fprintf(&b, "  -> %s      %-7s %-6d %-10d %-10d\n", addrPort(d.Address, d.Port), name, d.Weight, d.ActiveConns, d.InactConns)
		}
	}
	return b.String()
}
