package director

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ldconf"
)

// warnSysctls logs, once when BGP starts, each setting an active-active
// director needs that this host lacks: sloppy_tcp so that a director
// takes over connections begun on another one, conntrack off so that no
// netfilter state is needed to carry them, and for LVS-DR (the VIP on lo
// beside reals and routers on one LAN) arp_ignore and arp_announce, so
// that the director neither answers nor announces the VIP by ARP.
func (d *daemon) warnSysctls() {
	dir := d.o.SysctlDir
	if dir == "" {
		dir = "/proc/sys"
	}
	type need struct {
		key  string
		ok   func(int) bool
		want string
		why  string
	}
	needs := []need{
		{"net.ipv4.vs.sloppy_tcp", func(v int) bool { return v == 1 }, "1", "a director takes over connections begun on another one"},
		{"net.ipv4.vs.conntrack", func(v int) bool { return v == 0 }, "0", "connections need no netfilter state, which directors do not share"},
	}
	if d.directRouting() {
		needs = append(needs,
			need{"net.ipv4.conf.all.arp_ignore", func(v int) bool { return v >= 1 }, "1", "the VIP on lo is not answered by ARP on the LAN"},
			need{"net.ipv4.conf.all.arp_announce", func(v int) bool { return v >= 2 }, "2", "the VIP on lo is not announced by ARP on the LAN"})
	}
	for _, n := range needs {
		path := filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(n.key, ".", "/")))
		v, err := readSysctl(path)
		switch {
		case err != nil:
			d.o.Log.Printf("Warning: BGP: cannot read %s (%v): an active-active director needs %s=%s so that %s",
				n.key, err, n.key, n.want, n.why)
		case !n.ok(v) && !d.everyInterface(dir, n.key, n.ok):
			d.o.Log.Printf("Warning: BGP: %s is %d: an active-active director needs %s so that %s (sysctl -w %s=%s)",
				n.key, v, n.want, n.why, n.key, n.want)
		}
	}
}

// directRouting: some announced virtual sends to its reals by LVS-DR.
func (d *daemon) directRouting() bool {
	for _, v := range d.cfg.Virtuals {
		if v.Announce == nil {
			continue
		}
		for _, r := range v.Reals {
			if r.Forward == ldconf.Gate {
				return true
			}
		}
	}
	return false
}

// everyInterface: a per-interface ARP setting (net.ipv4.conf.all.X) that
// "all" does not meet is met by each interface but lo (the kernel takes
// the larger of "all" and the interface's).
func (d *daemon) everyInterface(dir, key string, ok func(int) bool) bool {
	name, found := strings.CutPrefix(key, "net.ipv4.conf.all.")
	if !found {
		return false
	}
	ifs, err := os.ReadDir(filepath.Join(dir, "net", "ipv4", "conf"))
	if err != nil {
		return false
	}
	seen := 0
	for _, e := range ifs {
		switch e.Name() {
		case "all", "default", "lo":
			continue
		}
		v, err := readSysctl(filepath.Join(dir, "net", "ipv4", "conf", e.Name(), name))
		if err != nil || !ok(v) {
			return false
		}
		seen++
	}
	return seen > 0
}

func readSysctl(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
