package ldconf

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// StaticResolver resolves from the text of a hosts file and a services
// file and never asks the network, so a config resolves the same on every
// machine (the corpus tests use it with testdata/ldirectord/hosts).
// Numeric addresses are read like SystemResolver reads them.
type StaticResolver struct {
	hosts    map[string][]netip.Addr
	services []byte
}

// NewStaticResolver reads hosts ("ADDRESS NAME..." lines, # comments)
// and keeps services (/etc/services format) as is.
func NewStaticResolver(hosts, services []byte) (*StaticResolver, error) {
	r := &StaticResolver{hosts: map[string][]netip.Addr{}, services: services}
	sc := bufio.NewScanner(bytes.NewReader(hosts))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(strings.SplitN(sc.Text(), "#", 2)[0])
		if len(f) == 0 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil || len(f) < 2 {
			return nil, fmt.Errorf("hosts line %d: want an address and names", n)
		}
		for _, name := range f[1:] {
			k := strings.ToLower(name)
			r.hosts[k] = append(r.hosts[k], a)
		}
	}
	return r, sc.Err()
}

// LookupHost implements Resolver.
func (r *StaticResolver) LookupHost(_ context.Context, name string, fam Family) (netip.Addr, error) {
	if a, ok := numericHost(name, fam); ok {
		return a, nil
	}
	for _, a := range r.hosts[strings.ToLower(name)] {
		if (fam == IPv4) == a.Is4() {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("lookup %s: no such host", name)
}

// LookupPort implements Resolver.
func (r *StaticResolver) LookupPort(_ context.Context, name, proto string) (int, error) {
	if p, ok := servicesLookup(r.services, name, proto); ok {
		return p, nil
	}
	return 0, fmt.Errorf("unknown service %s/%s", name, proto)
}

// CorpusResolver is the StaticResolver of a directory's "hosts" and
// "services" files.
func CorpusResolver(dir string) (*StaticResolver, error) {
	hosts, err := os.ReadFile(filepath.Join(dir, "hosts"))
	if err != nil {
		return nil, err
	}
	services, err := os.ReadFile(filepath.Join(dir, "services"))
	if err != nil {
		return nil, err
	}
	return NewStaticResolver(hosts, services)
}
