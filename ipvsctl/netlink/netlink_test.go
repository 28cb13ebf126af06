package netlink

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The client fills only a missing family; every netmask, 0 included,
// goes to the kernel as given (ipvsadm -M 0.0.0.0).
func TestWithFamily(t *testing.T) {
	for _, c := range []struct {
		in   ipvsctl.Service
		fam  uint16
		mask uint32
	}{
		{ipvsctl.Service{Address: netip.MustParseAddr("10.0.0.1"), Port: 80}, ipvsctl.AFInet, 0},
		{ipvsctl.Service{Address: netip.MustParseAddr("2001:db8::1"), Port: 80, Netmask: 64}, ipvsctl.AFInet6, 64},
		{ipvsctl.Service{FWMark: 3, Netmask: 0xffffffff}, ipvsctl.AFInet, 0xffffffff},
		{ipvsctl.Service{FWMark: 3, Family: ipvsctl.AFInet6, Netmask: 128}, ipvsctl.AFInet6, 128},
		{ipvsctl.Service{Address: netip.MustParseAddr("10.0.0.1"), Netmask: 0xffffff00}, ipvsctl.AFInet, 0xffffff00},
		{ipvsctl.Service{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.1"), Flags: ipvsctl.SvcFlagPersistent, Netmask: 0}, ipvsctl.AFInet, 0},
	} {
		d := withFamily(&c.in)
		if d.Family != c.fam || d.Netmask != c.mask {
			t.Errorf("%+v: got family %d mask %#x", c.in, d.Family, d.Netmask)
		}
	}
}

// Importing the package leaves logrus alone; opening moby's handle mutes
// it for that call only.
func TestLogrusMutedOnlyWhileOpening(t *testing.T) {
	std := logrus.StandardLogger()
	if std.Out != os.Stderr || logrus.GetLevel() != logrus.InfoLevel {
		t.Fatalf("logrus changed by importing the package: out %v, level %v", std.Out, logrus.GetLevel())
	}
	var buf bytes.Buffer
	logrus.SetOutput(&buf)
	t.Cleanup(func() { logrus.SetOutput(os.Stderr) })
	withLogrusMuted(func() {
		logrus.Warnf("modprobe failed")
		logrus.Error("no IPVS family")
	})
	if buf.Len() != 0 {
		t.Errorf("logged while muted: %q", buf.String())
	}
	logrus.Error("after")
	if !bytes.Contains(buf.Bytes(), []byte("after")) || logrus.GetLevel() != logrus.InfoLevel {
		t.Errorf("level not restored: %v, output %q", logrus.GetLevel(), buf.String())
	}
}

func TestWithoutRepeats(t *testing.T) {
	a := ipvsctl.Service{Family: 2, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.1"), Port: 80, Scheduler: "rr"}
	b := a
	b.Port = 443
	m := ipvsctl.Service{Family: 2, FWMark: 1, Scheduler: "wlc"}
	m6 := m
	m6.Family = 10
	got := withoutRepeats([]ipvsctl.Service{a, b, m, a, m6, m, b})
	var keys []string
	for _, s := range got {
		keys = append(keys, fmt.Sprintf("%d/%d/%s:%d/%d", s.Family, s.Protocol, s.Address, s.Port, s.FWMark))
	}
	want := []string{"2/6/192.0.2.1:80/0", "2/6/192.0.2.1:443/0", "2/0/invalid IP:0/1", "10/0/invalid IP:0/1"}
	if !slices.Equal(keys, want) {
		t.Errorf("got %q, want %q", keys, want)
	}
}
