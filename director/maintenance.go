package director

import (
	"context"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// reShortName is ldirectord's /^([a-z][a-z0-9\-]+)\./ on the FQDN.
var reShortName = regexp.MustCompile(`^([a-z][a-z0-9-]+)\.`)

// inMaintenance is _check_real_for_maintenance: a real is in maintenance
// when DIR holds a file named IP:PORT, IP, FQDN:PORT, FQDN, SHORT:PORT or
// SHORT (PORT as configured, FQDN by reverse lookup). The directory is
// listed once, and the reverse lookup is only made when it holds a name
// the address alone does not explain, so an empty directory costs no DNS.
func inMaintenance(ctx context.Context, dir string, a netip.Addr, port uint16) bool {
	if dir == "" {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return false
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	ip := a.String()
	if a.Is6() {
		ip = "[" + ip + "]"
	}
	p := strconv.Itoa(int(port))
	if names[ip+":"+p] || names[ip] {
		return true
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	hosts, err := net.DefaultResolver.LookupAddr(lctx, a.String())
	if err != nil || len(hosts) == 0 {
		return false
	}
	fqdn := strings.TrimSuffix(hosts[0], ".")
	if names[fqdn+":"+p] || names[fqdn] {
		return true
	}
	if m := reShortName.FindStringSubmatch(fqdn); m != nil {
		return names[m[1]+":"+p] || names[m[1]]
	}
	return false
}
