package ipvsctl

import "net/netip"

// ipvsadm sorts with glibc's qsort, which is a top-down merge sort, and
// comparators that subtract unsigned values into an int. The comparators
// are not transitive, so the exact algorithm decides the order people see:
// both are reproduced here (msortRec, and sortBig on indexes).

func msortRec[T any](b, tmp []T, cmp func(a, b *T) int) {
	n := len(b)
	if n <= 1 {
		return
	}
	n1 := n / 2
	b1, b2 := b[:n1], b[n1:]
	msortRec(b1, tmp, cmp)
	msortRec(b2, tmp, cmp)
	i, j, k := 0, 0, 0
	for i < len(b1) && j < len(b2) {
		if cmp(&b1[i], &b2[j]) <= 0 {
			tmp[k] = b1[i]
			i++
		} else {
			tmp[k] = b2[j]
			j++
		}
		k++
	}
	k += copy(tmp[k:], b1[i:])
	copy(b, tmp[:k]) // b2's rest is already in place
}

func diff32(a, b uint32) int { return int(int32(a - b)) }

// addrWords lays an address out as C's union nf_inet_addr, in host-order
// words: IPv4 in the first word, the rest zero.
func addrWords(s netip.Addr) [4]uint32 {
	var w [4]uint32
	if s.Is6() {
		b := s.As16()
		for i := range w {
			w[i] = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
		}
		return w
	}
	if s.Is4() {
		b := s.As4()
		w[0] = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	return w
}

func cmpAddr(a, b netip.Addr, family uint16) int {
	wa, wb := addrWords(a), addrWords(b)
	if family == AFInet6 {
		r := 0
		for i := 0; r == 0 && i < 4; i++ {
			r = diff32(wa[i], wb[i])
		}
		return r
	}
	return diff32(wa[0], wb[0])
}

// cmpServices is ipvsadm's ipvs_cmp_services.
func cmpServices(a, b *Service) int {
	if r := diff32(a.FWMark, b.FWMark); r != 0 {
		return r
	}
	if r := int(a.Family) - int(b.Family); r != 0 {
		return r
	}
	if r := int(a.Protocol) - int(b.Protocol); r != 0 {
		return r
	}
	if r := cmpAddr(a.Address, b.Address, a.Family); r != 0 {
		return r
	}
	return int(a.Port) - int(b.Port)
}

// cmpDests is ipvsadm's ipvs_cmp_dests.
func cmpDests(a, b *Destination) int {
	if r := cmpAddr(a.Address, b.Address, a.Family); r != 0 {
		return r
	}
	return int(a.Port) - int(b.Port)
}

// SortServices orders services as ipvsadm -L does.
func SortServices(s []Service) { sortBig(s, cmpServices) }

// SortDestinations orders destinations as ipvsadm -L does.
func SortDestinations(d []Destination) { sortBig(d, cmpDests) }

// sortBig is msort for big elements: like glibc's qsort (indirect
// sorting above 32 bytes) it merges indexes, then moves each element once.
// The comparisons, and so the order, are msort's exactly.
func sortBig[T any](v []T, cmp func(a, b *T) int) {
	n := len(v)
	if n <= 1 {
		return
	}
	var small [2 * 16]int32 // a service's few destinations need no heap
	var idx []int32
	if 2*n <= len(small) {
		idx = small[:2*n]
	} else {
		idx = make([]int32, 2*n)
	}
	perm, tmp := idx[:n], idx[n:]
	for i := range perm {
		perm[i] = int32(i)
	}
	msortRec(perm, tmp, func(a, b *int32) int { return cmp(&v[*a], &v[*b]) })
	// v[j] = old v[perm[j]], cycle by cycle; visited entries are marked
	// by their complement
	for i := range perm {
		if perm[i] < 0 {
			continue
		}
		x, j := v[i], int32(i)
		for {
			k := perm[j]
			perm[j] = ^k
			if k == int32(i) {
				v[j] = x
				break
			}
			v[j] = v[k]
			j = k
		}
	}
}
