//go:build e2e

package netlink

import (
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// In the lab: the netlink client against the real kernel, and recordings
// of the kernel's answers for the decoder unit tests (RECORD_DIR).

func labOnly(t *testing.T) *Client {
	t.Helper()
	if os.Getenv("LAB") == "" {
		t.Skip("needs the lab VM (make e2e)")
	}
	exec.Command("/usr/sbin/ipvsadm", "-C").Run()
	n, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(); exec.Command("/usr/sbin/ipvsadm", "-C").Run() })
	return n
}

func ipvsadm(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("/usr/sbin/ipvsadm", args...).CombinedOutput(); err != nil {
		t.Fatalf("ipvsadm %v: %v %s", args, err, out)
	}
}

func record(t *testing.T, name string, msgs [][]byte) {
	dir := os.Getenv("RECORD_DIR")
	if dir == "" {
		return
	}
	var s string
	for _, m := range msgs {
		s += hex.EncodeToString(m) + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, name+".hex"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLabNetlinkRoundTrip(t *testing.T) {
	n := labOnly(t)
	ipvsadm(t, "-A", "-t", "192.0.2.1:80", "-s", "wrr", "-p", "600", "-M", "255.255.255.0")
	ipvsadm(t, "-a", "-t", "192.0.2.1:80", "-r", "10.0.0.2:80", "-g", "-w", "70000", "-x", "100", "-y", "10")
	ipvsadm(t, "-a", "-t", "192.0.2.1:80", "-r", "10.0.0.3:8080", "-m", "-w", "0")
	ipvsadm(t, "-A", "-f", "7", "-6", "-s", "sh", "-b", "sh-port", "-p", "60", "-M", "64")
	ipvsadm(t, "-a", "-f", "7", "-6", "-r", "[2001:db8::2]:0", "-g")
	ipvsadm(t, "-a", "-f", "7", "-6", "-r", "10.0.0.4", "-i", "--tun-type", "gue", "--tun-port", "6080", "--tun-csum")
	ipvsadm(t, "-A", "-u", "192.0.2.1:53", "-o", "--pe", "sip")

	raw, err := n.conn.ipvs(cmdGetService, unix.NLM_F_DUMP)
	if err != nil {
		t.Fatal(err)
	}
	record(t, "services", raw)
	svcs, err := n.Services()
	if err != nil || len(svcs) != 3 {
		t.Fatalf("services: %v %v", svcs, err)
	}
	var tcp, fwm ipvsctl.Service
	for _, s := range svcs {
		switch {
		case s.FWMark == 7:
			fwm = s
		case s.Protocol == ipvsctl.ProtoTCP:
			tcp = s
		}
	}
	want := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.1"), Port: 80,
		Scheduler: "wrr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 600, Netmask: 0xffffff00}
	if !tcp.Equal(&want) {
		t.Errorf("tcp service %+v, want %+v", tcp, want)
	}
	if fwm.Family != ipvsctl.AFInet6 || fwm.Netmask != 64 || fwm.Scheduler != "sh" || fwm.Flags != ipvsctl.SvcFlagPersistent|ipvsctl.SvcFlagSchedFlag2 {
		t.Errorf("fwmark service %+v", fwm)
	}

	raw, err = n.conn.ipvs(cmdGetDest, unix.NLM_F_DUMP, serviceKeyAttr(&tcp))
	if err != nil {
		t.Fatal(err)
	}
	record(t, "dests-tcp", raw)
	dests, err := n.Destinations(&tcp)
	if err != nil || len(dests) != 2 {
		t.Fatalf("dests: %v %v", dests, err)
	}
	ipvsctl.SortDestinations(dests)
	if d := dests[0]; d.Weight != 70000 || d.UpperThreshold != 100 || d.LowerThreshold != 10 || d.FwdMethod&ipvsctl.FwdMask != ipvsctl.FwdRoute {
		t.Errorf("dest 0: %+v", d)
	}
	raw, err = n.conn.ipvs(cmdGetDest, unix.NLM_F_DUMP, serviceKeyAttr(&fwm))
	if err != nil {
		t.Fatal(err)
	}
	record(t, "dests-fwm6", raw)
	dests, err = n.Destinations(&fwm)
	if err != nil || len(dests) != 2 {
		t.Fatalf("fwm dests: %v %v", dests, err)
	}
	for _, d := range dests {
		if d.Family == ipvsctl.AFInet && (d.TunType != ipvsctl.TunGUE || d.TunPort != 6080 || d.TunFlags != ipvsctl.TunFlagCsum) {
			t.Errorf("tunnel dest %+v", d)
		}
	}

	raw, err = n.conn.ipvs(cmdGetInfo, 0)
	if err != nil {
		t.Fatal(err)
	}
	record(t, "info", raw)
	info, err := n.Info()
	if err != nil || info.VersionString() != "1.2.1" || info.ConnTabSize != 4096 {
		t.Errorf("info %+v %v", info, err)
	}

	// Our own writes read back identically, and errors map to ipvsadm's words.
	s2 := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoUDP, Address: netip.MustParseAddr("192.0.2.9"), Port: 53, Scheduler: "rr"}
	if err := n.AddService(&s2); err != nil {
		t.Fatal(err)
	}
	if err := n.AddService(&s2); err == nil || err.Error() != "Service already exists" {
		t.Errorf("duplicate add: %v", err)
	}
	d2 := ipvsctl.Destination{Address: netip.MustParseAddr("10.0.0.9"), Port: 53, FwdMethod: ipvsctl.FwdMasq, Weight: 2147483647}
	if err := n.AddDestination(&s2, &d2); err != nil {
		t.Fatal(err)
	}
	got, err := n.Destinations(&s2)
	if err != nil || len(got) != 1 || !got[0].Equal(&d2) {
		t.Errorf("dest read back %+v %v", got, err)
	}
	if err := n.DeleteDestination(&s2, &ipvsctl.Destination{Address: netip.MustParseAddr("10.0.0.8"), Port: 53}); err == nil || err.Error() != "No such destination" {
		t.Errorf("missing dest: %v", err)
	}
	if err := n.ZeroService(nil); err != nil {
		t.Errorf("zero: %v", err)
	}

	// Zero is a value: the mask 0.0.0.0, port 0 and the shortest IPv6
	// prefix are stored as sent and read back as such.
	for _, s := range []ipvsctl.Service{
		{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.6"), Port: 0,
			Scheduler: "wlc", Flags: ipvsctl.SvcFlagPersistent, Timeout: 1, Netmask: 0},
		{Family: ipvsctl.AFInet6, FWMark: 9, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 2678400, Netmask: 1},
	} {
		if err := n.AddService(&s); err != nil {
			t.Fatalf("%s: %v", s.Key(), err)
		}
		got, err := n.GetService(s.Key())
		if err != nil || !got.Equal(&s) {
			t.Errorf("%s: sent %+v, kernel has %+v %v", s.Key(), s, got, err)
		}
	}
	v6 := ipvsctl.Service{Family: ipvsctl.AFInet6, FWMark: 10, Scheduler: "rr", Flags: ipvsctl.SvcFlagPersistent, Timeout: 60, Netmask: 0}
	if err := n.AddService(&v6); err == nil || err.Error() != "Invalid operation.  Possibly wrong module version, address not unicast, ..." {
		t.Errorf("IPv6 prefix 0: %v", err)
	}
}
