package announce

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/internal/secret"
	"github.com/lvsctl/lvsctl/ldconf"
)

var (
	vip  = netip.MustParsePrefix("192.0.2.10/32")
	net1 = netip.MustParsePrefix("192.0.2.0/28")
	vip6 = netip.MustParsePrefix("2001:db8::10/128")
)

func ann(p netip.Prefix, th string, med uint32) *ldconf.Announce {
	t := ldconf.Threshold{}
	fmt.Sscanf(strings.TrimSuffix(th, "%"), "%d", &t.N)
	t.Percent = strings.HasSuffix(th, "%")
	return &ldconf.Announce{Prefix: p, Threshold: t, MED: med}
}

// show renders a decision one line per prefix.
func show(d Decision) string {
	var b strings.Builder
	for _, p := range d.Prefixes {
		state := "announced"
		if !p.Announced {
			state = "withdrawn (" + p.Reason.String() + ")"
		}
		fmt.Fprintf(&b, "%s %s med %d nh %v comm %v virtuals %v qualifying %v\n",
			p.Prefix, state, p.Attrs.MED, p.Attrs.NextHop, p.Attrs.Communities, p.Virtuals, p.Qualifying)
	}
	return b.String()
}

func TestDecide(t *testing.T) {
	global := &ldconf.BGP{LocalAS: 65010, Communities: []ldconf.Community{{AS: 65000, Value: 100}}}
	for _, tc := range []struct {
		name string
		in   Input
		want string
	}{
		{"one real serving meets the default threshold",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 5), Serving: 1, Reals: 2}}},
			"192.0.2.10/32 announced med 5 nh invalid IP comm [65000:100] virtuals [a] qualifying [a]\n"},
		{"first checks not in: not announced, however many serve",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 5), Serving: 2, Reals: 2, Checking: true}}},
			"192.0.2.10/32 withdrawn (first checks) med 5 nh invalid IP comm [65000:100] virtuals [a] qualifying []\n"},
		{"a virtual of the prefix checked and serving announces it while another awaits its first checks",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 5), Serving: 1, Reals: 2, Checking: true},
				{ID: "b", Announce: ann(vip, "1", 5), Serving: 1, Reals: 1}}},
			"192.0.2.10/32 announced med 5 nh invalid IP comm [65000:100] virtuals [a b] qualifying [b]\n"},
		{"the withdraw file is the reason before the first checks",
			Input{BGP: global, WithdrawFileExists: true, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 5), Serving: 0, Reals: 2, Checking: true}}},
			"192.0.2.10/32 withdrawn (withdraw file) med 5 nh invalid IP comm [65000:100] virtuals [a] qualifying []\n"},
		{"no real serving",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 5), Serving: 0, Reals: 2}}},
			"192.0.2.10/32 withdrawn (threshold) med 5 nh invalid IP comm [65000:100] virtuals [a] qualifying []\n"},
		{"50% of 4: one is not enough",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "50%", 0), Serving: 1, Reals: 4}}},
			"192.0.2.10/32 withdrawn (threshold) med 0 nh invalid IP comm [65000:100] virtuals [a] qualifying []\n"},
		{"50% of 4: two are",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "50%", 0), Serving: 2, Reals: 4}}},
			"192.0.2.10/32 announced med 0 nh invalid IP comm [65000:100] virtuals [a] qualifying [a]\n"},
		{"the fallback serving qualifies",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "3", 0), Serving: 0, Reals: 3, FallbackServing: true}}},
			"192.0.2.10/32 announced med 0 nh invalid IP comm [65000:100] virtuals [a] qualifying [a]\n"},
		{"shared address: announced while one qualifies, with its MED",
			Input{BGP: global, Virtuals: []Virtual{
				{ID: "a", Announce: ann(vip, "1", 100), Serving: 0, Reals: 1},
				{ID: "b", Announce: ann(vip, "1", 200), Serving: 1, Reals: 1},
			}},
			"192.0.2.10/32 announced med 200 nh invalid IP comm [65000:100] virtuals [a b] qualifying [b]\n"},
		{"shared address: both qualify, the lowest MED",
			Input{BGP: global, Virtuals: []Virtual{
				{ID: "a", Announce: ann(vip, "1", 300), Serving: 1, Reals: 1},
				{ID: "b", Announce: ann(vip, "1", 100), Serving: 1, Reals: 1},
				{ID: "c", Announce: ann(vip, "1", 200), Serving: 1, Reals: 1},
			}},
			"192.0.2.10/32 announced med 100 nh invalid IP comm [65000:100] virtuals [a b c] qualifying [a b c]\n"},
		{"shared address: none qualifies, the lowest MED of all shown",
			Input{BGP: global, Virtuals: []Virtual{
				{ID: "a", Announce: ann(vip, "1", 300), Reals: 1},
				{ID: "b", Announce: ann(vip, "1", 100), Reals: 1},
			}},
			"192.0.2.10/32 withdrawn (threshold) med 100 nh invalid IP comm [65000:100] virtuals [a b] qualifying []\n"},
		{"the withdraw file withdraws what qualifies",
			Input{BGP: global, WithdrawFileExists: true, Virtuals: []Virtual{
				{ID: "a", Announce: ann(vip, "1", 0), Serving: 1, Reals: 1},
				{ID: "b", Announce: ann(net1, "1", 0), Serving: 0, Reals: 1},
			}},
			"192.0.2.0/28 withdrawn (withdraw file) med 0 nh invalid IP comm [65000:100] virtuals [b] qualifying []\n" +
				"192.0.2.10/32 withdrawn (withdraw file) med 0 nh invalid IP comm [65000:100] virtuals [a] qualifying [a]\n"},
		{"stopping wins over the withdraw file",
			Input{BGP: global, WithdrawFileExists: true, Stopping: true, Virtuals: []Virtual{
				{ID: "a", Announce: ann(vip, "1", 0), Serving: 1, Reals: 1},
			}},
			"192.0.2.10/32 withdrawn (stopping) med 0 nh invalid IP comm [65000:100] virtuals [a] qualifying [a]\n"},
		{"virtuals without an announcement take no part",
			Input{BGP: global, Virtuals: []Virtual{{ID: "a", Serving: 1, Reals: 1}}},
			""},
		{"BGP off: nothing",
			Input{Virtuals: []Virtual{{ID: "a", Announce: ann(vip, "1", 0), Serving: 1, Reals: 1}}},
			""},
		{"next hop of its family only, prefixes in address order",
			Input{BGP: &ldconf.BGP{LocalAS: 1, NextHop: netip.MustParseAddr("192.0.2.1")}, Virtuals: []Virtual{
				{ID: "v6", Announce: ann(vip6, "1", 0), Serving: 1, Reals: 1},
				{ID: "v4", Announce: ann(vip, "1", 0), Serving: 1, Reals: 1},
				{ID: "n4", Announce: ann(net1, "1", 0), Serving: 1, Reals: 1},
			}},
			"192.0.2.0/28 announced med 0 nh 192.0.2.1 comm [] virtuals [n4] qualifying [n4]\n" +
				"192.0.2.10/32 announced med 0 nh 192.0.2.1 comm [] virtuals [v4] qualifying [v4]\n" +
				"2001:db8::10/128 announced med 0 nh invalid IP comm [] virtuals [v6] qualifying [v6]\n"},
	} {
		if got := show(Decide(tc.in)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestFromConfig: a percentage counts the configured reals the kernel
// takes, down ones included, and not the rejected ones.
func TestFromConfig(t *testing.T) {
	v := &ldconf.Virtual{Announce: ann(vip, "50%", 7)}
	for i := range 4 {
		v.Reals = append(v.Reals, &ldconf.Real{Address: netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}), Port: 80})
	}
	global := &ldconf.BGP{LocalAS: 65010}
	one := FromConfig("tcp 192.0.2.10:80", v, 1, false)
	if one.Reals != 4 || one.Announce != v.Announce || one.ID != "tcp 192.0.2.10:80" || one.Serving != 1 {
		t.Fatalf("%+v", one)
	}
	in := Input{BGP: global, Virtuals: []Virtual{one}}
	if got, want := show(Decide(in)), "192.0.2.10/32 withdrawn (threshold) med 7 nh invalid IP comm [] virtuals [tcp 192.0.2.10:80] qualifying []\n"; got != want {
		t.Errorf("1 of 4 up:\n got %s\nwant %s", got, want)
	}
	in.Virtuals[0] = FromConfig("tcp 192.0.2.10:80", v, 2, false)
	if d := Decide(in); !d.Prefixes[0].Announced {
		t.Errorf("2 of 4 up: %s", show(d))
	}
	v.Reals[3].Rejected = "refused"
	if got := FromConfig("x", v, 0, true); got.Reals != 3 || !got.FallbackServing {
		t.Errorf("one real rejected, fallback serving: %+v, want 3 reals", got)
	}
}

func TestNeeded(t *testing.T) {
	for _, tc := range []struct {
		th          string
		reals, want int
	}{
		{"1", 0, 1}, {"3", 2, 3}, {"50%", 4, 2}, {"50%", 3, 2}, {"50%", 1, 1}, {"1%", 1000, 10},
		{"100%", 4, 4}, {"100%", 0, 1}, {"34%", 3, 2}, {"33%", 3, 1},
	} {
		if got := Needed(ann(vip, tc.th, 0).Threshold, tc.reals); got != tc.want {
			t.Errorf("%s of %d: %d, want %d", tc.th, tc.reals, got, tc.want)
		}
	}
}

// TestRoutes: only the announced prefixes go to the speaker; the
// communities of two prefixes are separate slices.
func TestRoutes(t *testing.T) {
	d := Decide(Input{BGP: &ldconf.BGP{LocalAS: 1, Communities: []ldconf.Community{{AS: 1, Value: 2}}}, Virtuals: []Virtual{
		{ID: "a", Announce: ann(vip, "1", 7), Serving: 1, Reals: 1},
		{ID: "b", Announce: ann(net1, "1", 0), Serving: 0, Reals: 1},
		{ID: "c", Announce: ann(vip6, "1", 0), Serving: 1, Reals: 1},
	}})
	got := d.Routes()
	want := map[netip.Prefix]bgpwire.Attrs{
		vip:  {MED: 7, Communities: []bgpwire.Community{{AS: 1, Value: 2}}},
		vip6: {Communities: []bgpwire.Community{{AS: 1, Value: 2}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes %+v, want %+v", got, want)
	}
	got[vip].Communities[0] = bgpwire.Community{AS: 9, Value: 9}
	if got[vip6].Communities[0] != (bgpwire.Community{AS: 1, Value: 2}) {
		t.Error("two prefixes share a communities slice")
	}
}

func TestSpeakerConfig(t *testing.T) {
	b := &ldconf.BGP{LocalAS: 65010, Peers: []*ldconf.BGPPeer{
		{Address: netip.MustParseAddr("192.0.2.1"), AS: 65000, HoldTime: 9 * time.Second, Port: 1179, Multihop: 2, Password: secret.New("pw")},
		{Address: netip.MustParseAddr("2001:db8::1"), AS: 65001, Passive: true},
	}}
	host := netip.MustParseAddr("198.51.100.7")
	c, err := SpeakerConfig(b, func() (netip.Addr, error) { return host, nil })
	if err != nil {
		t.Fatal(err)
	}
	want := bgpwire.Config{LocalAS: 65010, RouterID: host, Peers: []bgpwire.Peer{
		{Address: netip.MustParseAddr("192.0.2.1"), AS: 65000, HoldTime: 9 * time.Second, Port: 1179, Multihop: 2, Password: secret.New("pw")},
		{Address: netip.MustParseAddr("2001:db8::1"), AS: 65001, Passive: true},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	b.RouterID = netip.MustParseAddr("192.0.2.99")
	if c, _ := SpeakerConfig(b, nil); c.RouterID != b.RouterID {
		t.Errorf("router id %v, want bgprouterid's", c.RouterID)
	}
	b.RouterID = netip.Addr{}
	noHost := errors.New("no IPv4")
	if _, err := SpeakerConfig(b, func() (netip.Addr, error) { return netip.Addr{}, noHost }); !errors.Is(err, noHost) {
		t.Errorf("err %v, want the host's", err)
	}
}
