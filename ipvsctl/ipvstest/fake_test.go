package ipvstest

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

func TestFakeFailsLikeTheKernel(t *testing.T) {
	f := NewFake()
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("10.0.0.1"), Port: 80, Scheduler: "wrr"}
	dst := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 1}
	is := func(err error, want syscall.Errno) {
		t.Helper()
		var ke *ipvsctl.KernelError
		if !errors.Is(err, want) || !errors.As(err, &ke) {
			t.Fatalf("got %v, want %v as a KernelError", err, want)
		}
	}
	is(f.AddDestination(&svc, &dst), syscall.ESRCH)
	is(f.UpdateService(&svc), syscall.ESRCH)
	is(f.DeleteService(&svc), syscall.ESRCH)
	if err := f.AddService(&svc); err != nil {
		t.Fatal(err)
	}
	is(f.AddService(&svc), syscall.EEXIST)
	is(f.UpdateDestination(&svc, &dst), syscall.ENOENT)
	is(f.DeleteDestination(&svc, &dst), syscall.ENOENT)
	if err := f.AddDestination(&svc, &dst); err != nil {
		t.Fatal(err)
	}
	is(f.AddDestination(&svc, &dst), syscall.EEXIST)
	bad := dst
	bad.UpperThreshold, bad.LowerThreshold = 5, 10
	is(f.UpdateDestination(&svc, &bad), syscall.ERANGE)
	f.FailNext("AddDestination", &ipvsctl.KernelError{Op: ipvsctl.OpAddDest, Errno: syscall.ENOMEM})
	other := dst
	other.Address = netip.MustParseAddr("10.0.0.3")
	is(f.AddDestination(&svc, &other), syscall.ENOMEM)
	if got := f.Dump(); got != "-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1\n" {
		t.Fatalf("dump:\n%s", got)
	}
	if n := len(f.Calls()); n != 11 {
		t.Fatalf("%d calls recorded: %q", n, f.Calls())
	}
}

func TestFakeSortsLikeIpvsadm(t *testing.T) {
	f := NewFake()
	for _, a := range []string{"10.0.0.9", "10.0.0.1", "10.0.0.5"} {
		s := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr(a), Port: 80, Scheduler: "rr"}
		if err := f.AddService(&s); err != nil {
			t.Fatal(err)
		}
	}
	svcs, _ := f.Services()
	if svcs[0].Address.String() != "10.0.0.1" || svcs[2].Address.String() != "10.0.0.9" {
		t.Fatalf("order: %v", svcs)
	}
}
