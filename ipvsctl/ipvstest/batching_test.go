package ipvstest

import (
	"errors"
	"net/netip"
	"reflect"
	"syscall"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// In a batch, writes return nil and are made at EndBatch or before a
// read, their results reported in call order; outside one they are made
// at once.
func TestBatchingQueuesUntilReadOrEnd(t *testing.T) {
	f := NewFake()
	b := NewBatching(f)
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("10.0.0.1"), Port: 80, Scheduler: "wrr"}
	dst := ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 1}
	var results []error
	b.BeginBatch(func(err error) { results = append(results, err) })
	if err := b.AddService(&svc); err != nil {
		t.Fatal(err)
	}
	if err := b.AddService(&svc); err != nil { // EEXIST, reported later
		t.Fatal(err)
	}
	if len(f.Calls()) != 0 || len(results) != 0 {
		t.Fatalf("made before a read: calls %v, results %v", f.Calls(), results)
	}
	if _, err := b.Services(); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0] != nil || !errors.Is(results[1], syscall.EEXIST) {
		t.Fatalf("results after the read: %v", results)
	}
	if err := b.AddDestination(&svc, &dst); err != nil {
		t.Fatal(err)
	}
	dst.Weight = 9 // the queued write keeps the arguments it was given
	b.EndBatch()
	if len(results) != 3 || results[2] != nil {
		t.Fatalf("results after EndBatch: %v", results)
	}
	ds, _ := b.Destinations(&svc)
	if len(ds) != 1 || ds[0].Weight != 1 {
		t.Fatalf("destinations %v: want the one added at weight 1", ds)
	}
	if err := b.AddService(&svc); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("outside a batch: %v, want EEXIST at once", err)
	}
	want := []string{"-A -t 10.0.0.1:80 -s wrr", "-A -t 10.0.0.1:80 -s wrr", "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1", "-A -t 10.0.0.1:80 -s wrr"}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}
