package ipvsctl

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
)

func svcKey(s string) Service {
	ap := netip.MustParseAddrPort(s)
	fam := AFInet
	if ap.Addr().Is6() {
		fam = AFInet6
	}
	return Service{Family: fam, Protocol: ProtoTCP, Address: ap.Addr(), Port: ap.Port()}
}

// The orders below were observed with ipvsadm 1.31 on the lab's kernel:
// addresses compare by the sign of a wrapped 32-bit difference.
func TestSortServicesLikeIpvsadm(t *testing.T) {
	in := []Service{svcKey("192.168.10.1:80"), svcKey("0.0.0.0:80"), svcKey("255.255.255.255:80"),
		svcKey("1.2.0.3:80"), svcKey("10.9.9.9:80"), {Family: AFInet, FWMark: 4294967295}, {Family: AFInet, FWMark: 3}}
	SortServices(in)
	var got []string
	for _, s := range in {
		if s.FWMark != 0 {
			got = append(got, "fwm"+strconv.Itoa(int(int32(s.FWMark))))
		} else {
			got = append(got, s.Address.String())
		}
	}
	want := []string{"fwm-1", "192.168.10.1", "255.255.255.255", "0.0.0.0", "1.2.0.3", "10.9.9.9", "fwm3"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSortDestinationsMixedFamilies(t *testing.T) {
	d := []Destination{
		{Family: AFInet6, Address: netip.MustParseAddr("2001:db8::20"), Port: 80},
		{Family: AFInet, Address: netip.MustParseAddr("10.10.1.2"), Port: 80},
		{Family: AFInet6, Address: netip.MustParseAddr("2001:db8::21"), Port: 80},
	}
	SortDestinations(d)
	if d[0].Address.String() != "10.10.1.2" || d[1].Address.String() != "2001:db8::20" {
		t.Errorf("got %v %v %v", d[0].Address, d[1].Address, d[2].Address)
	}
}

func TestMsortIsGlibcMergeOrder(t *testing.T) {
	// A comparator that is not transitive: the result depends on the
	// algorithm; glibc's merge sort splits at n/2 and prefers the left run.
	v := []int{3, 1, 2}
	msort(v, func(a, b *int) int { return *a - *b })
	if v[0] != 1 || v[1] != 2 || v[2] != 3 {
		t.Errorf("got %v", v)
	}
}

// sortBig (indexes, then one move per element) orders exactly as msort
// on the elements themselves, comparator quirks included.
func TestSortBigMatchesMsort(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		v := make([]Destination, n)
		for i := range v {
			// ports over 32767 apart make ipvsadm's comparator non-transitive
			v[i] = Destination{Family: AFInet, Address: netip.AddrFrom4([4]byte{10, 0, 0, byte(rnd.IntN(3))}), Port: uint16(rnd.Uint32())}
		}
		want := make([]Destination, n)
		copy(want, v)
		msort(want, cmpDests)
		SortDestinations(v)
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("n=%d: sortBig and msort disagree", n)
		}
	}
}

// msort is glibc's merge sort on the elements themselves: the reference
// sortBig must agree with.
func msort[T any](v []T, cmp func(a, b *T) int) {
	if len(v) <= 1 {
		return
	}
	tmp := make([]T, len(v))
	msortRec(v, tmp, cmp)
}
