package cli

import (
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/netlink"
)

// addIpvsadmFlags declares the options of ipvsadm's grammar (lvsctl's,
// with ext) on cmd, whose completion offers them by name; cmd parses none
// of them (DisableFlagParsing): the personality does.
func addIpvsadmFlags(cmd *cobra.Command, ext bool) {
	help := ipvsadmOptionHelp()
	fl := cmd.Flags()
	for _, w := range ipvsadm.Words(ext) {
		short := ""
		if w.Short != 0 {
			short = string(rune(w.Short))
		}
		if w.Arg || w.OptionalArg {
			fl.StringP(w.Long, short, "", help[w.Long])
		} else {
			fl.BoolP(w.Long, short, false, help[w.Long])
		}
	}
	if ext {
		fl.Bool("templates", false, "with -L -c: the persistence templates, grouped by real server")
	}
}

// ipvsadmOptionHelp is each option's description, as ipvsadm -h gives it
// (the first line of it), and lvsctl's extensions'.
func ipvsadmOptionHelp() map[string]string {
	m := map[string]string{
		"json":   "any listing as one JSON document",
		"atomic": "with -R: check every line of stdin before the first change",
	}
	for _, line := range strings.Split(ipvsadm.Usage("ipvsadm"), "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "--") {
			continue
		}
		name := t[2:]
		if i := strings.IndexAny(name, " |"); i >= 0 {
			name = name[:i]
		}
		if i := strings.LastIndex(t, "  "); i >= 0 {
			m[name] = strings.TrimSuffix(strings.TrimSpace(t[i:]), ",")
		}
	}
	return m
}

// serviceProtos are the service options and the protocol the kernel's
// listing gives their services.
var serviceProtos = map[string]string{"tcp-service": "TCP", "udp-service": "UDP", "sctp-service": "SCTP", "fwmark-service": "FWM"}

// ipvsadmValues completes the value of the option before the cursor in
// an ipvsadm command line: schedulers, services and real servers of the
// live table (read from the kernel's listing, which needs no privileges),
// and the few options with a fixed set of values.
func ipvsadmValues(f *Factory, ext bool) cobra.CompletionFunc {
	words := map[string]ipvsadm.Word{}
	for _, w := range ipvsadm.Words(ext) {
		words["--"+w.Long] = w
		if w.Short != 0 {
			words["-"+string(rune(w.Short))] = w
		}
	}
	// option is the option an argument is, if it is one.
	option := func(a string) (ipvsadm.Word, bool) {
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			// -Ls: the last letter of a bundle takes the value
			a = "-" + a[len(a)-1:]
		}
		w, ok := words[a]
		return w, ok
	}
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		w, ok := option(args[len(args)-1])
		if !ok || !w.Arg {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var values []string
		switch w.Long {
		case "scheduler":
			values = ipvsctl.Schedulers
		case "tcp-service", "udp-service", "sctp-service", "fwmark-service":
			values = tableServices(f.IPVSFile, serviceProtos[w.Long])
		case "real-server":
			// the reals of the service named earlier on the line
			proto, svc := "", ""
			for i := 0; i+1 < len(args); i++ {
				if sw, ok := option(args[i]); ok && serviceProtos[sw.Long] != "" {
					proto, svc = serviceProtos[sw.Long], args[i+1]
				}
			}
			values = tableReals(f.IPVSFile, proto, svc)
		case "pe":
			values = []string{"sip"}
		case "tun-type":
			values = []string{"ipip", "gue", "gre"}
		case "start-daemon", "stop-daemon":
			values = []string{"master", "backup"}
		}
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// readTable reads the kernel's listing; nil when it cannot be read (no
// IPVS): completion then offers nothing.
func readTable(file string) []netlink.ProcService {
	r, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer r.Close()
	svcs, _ := netlink.ReadProcServices(r)
	return svcs
}

// procName is a service as ipvsadm's options name it.
func procName(s netlink.ProcService) string {
	if s.Proto == "FWM" {
		return strconv.FormatUint(uint64(s.FWMark), 10)
	}
	return s.Addr.String()
}

// tableServices are the live table's services of a protocol (FWM: the
// marks).
func tableServices(file, proto string) []string {
	var out []string
	for _, s := range readTable(file) {
		if s.Proto == proto {
			out = append(out, procName(s))
		}
	}
	return out
}

// tableReals are the real servers of a service of the live table, or of
// every service when it names none of them.
func tableReals(file, proto, svc string) []string {
	svcs := readTable(file)
	known := false
	for _, s := range svcs {
		known = known || (s.Proto == proto && procName(s) == svc)
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range svcs {
		if known && (s.Proto != proto || procName(s) != svc) {
			continue
		}
		for _, r := range s.Reals {
			if v := r.String(); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}
