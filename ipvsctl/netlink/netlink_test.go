package netlink

import (
	"bytes"
	"net/netip"
	"os"
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
