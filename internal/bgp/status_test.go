package bgp

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// TestStatusJSON: a status survives JSON, its states by name.
func TestStatusJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := Status{Running: true, LocalAS: 65010, RouterID: rid,
		Peers:    []PeerStatus{{Address: lo, AS: 65000, State: Established, Since: at, Flaps: 2}, {Address: lo6, AS: 1, State: OpenConfirm, Since: at}},
		Prefixes: []PrefixStatus{{Prefix: vip, Announced: true, Attrs: Attrs{MED: 5, Communities: []Community{{AS: 1, Value: 2}}, NextHop: netip.MustParseAddr("192.0.2.1")}, Since: at}},
	}
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back Status
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Errorf("got %+v\nwant %+v\n%s", back, st, js)
	}
	var s SessionState
	if err := s.UnmarshalText([]byte("bogus")); err == nil {
		t.Error("unknown state accepted")
	}
}

// TestFlapBook: only a drop from Established counts, a deliberate reset
// does not, and events of an instance gone are ignored.
func TestFlapBook(t *testing.T) {
	b := newBook()
	cfg := &Config{LocalAS: 1, RouterID: rid, Peers: []Peer{{Address: lo, AS: 2}}}
	at := time.Unix(100, 0)
	gen := b.begin(cfg, at)
	for _, st := range []SessionState{Active, OpenSent, Established, Idle, Connect, Established} {
		b.peerEvent(gen, lo, st, at)
	}
	b.markResetting([]netip.Addr{lo})
	b.peerEvent(gen, lo, Idle, at)
	b.peerEvent(gen, lo, Established, at)
	b.peerEvent(gen-1, lo, Idle, at)
	b.peerEvent(gen, lo2, Idle, at)
	p := b.status().Peers[0]
	if p.Flaps != 1 || p.State != Established {
		t.Errorf("%+v: want 1 flap, established", p)
	}
	b.stopped(at)
	b.peerEvent(gen, lo, Established, at)
	if p := b.status().Peers[0]; p.State != Idle || b.status().Running {
		t.Errorf("after stop: %+v", b.status())
	}
}
