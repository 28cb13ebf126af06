package ldconf

import (
	"strconv"
	"strings"
)

// ID is ldirectord's identity of the virtual (get_virtual_id_str), as used
// in its log and warning messages: "tcp:192.0.2.10:80", "fwm:5", "fwm6:5".
func (v *Virtual) ID() string { return virtualID(v) }

// Name is how ldirectord names the virtual in log lines (get_virtual):
// "192.0.2.10:80", "[2001:db8::1]:80" or the firewall mark.
func (v *Virtual) Name() string { return virtualAddrText(v) }

// RealID is ldirectord's identity of a real server's check
// (get_real_id_str): reals with the same id, in any virtual, are checked
// once per round and share the result. Note that it ignores httpmethod,
// database, login and the like, as ldirectord does.
func (v *Virtual) RealID(r *Real) string {
	check := v.CheckType.String()
	switch v.CheckType {
	case CheckNegotiate, CheckCombined:
		check += ":" + v.Service.String()
	case CheckExternal, CheckExternalPerl:
		check += ":" + v.CheckCommand
	}
	checkPort := ""
	if v.CheckPort != 0 {
		checkPort = strconv.Itoa(int(v.CheckPort))
	}
	vhost := ""
	if v.HasVirtualHost {
		vhost = v.VirtualHost
	}
	server := r.Address.String()
	if r.Address.Is6() {
		server = "[" + server + "]"
	}
	return strings.Join([]string{
		check, protoName(v.Protocol), server, strconv.Itoa(int(r.Port)), vhost, checkPort,
		strconv.FormatInt(r.Weight, 10), r.Forward.String(), quotemeta(r.Request), quotemeta(r.Receive),
	}, ":")
}

// quotemeta is Perl's: every byte that is not a word character gets a
// backslash.
func quotemeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
