package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/lvsctl/lvsctl/internal/announce"
	"github.com/lvsctl/lvsctl/ldconf"
)

// printAnnouncements is --check's account of BGP: the speaker's sessions
// and each prefix that every real being healthy would announce, on
// stderr (stdout stays ipvsadm -S -n, fit for ipvsadm -R). Nothing when
// the file does not turn BGP on.
func printAnnouncements(w io.Writer, cfg *ldconf.Config) {
	b := cfg.Global.BGP
	if b == nil {
		return
	}
	id := "the host's first global IPv4 address"
	if b.RouterID.IsValid() {
		id = b.RouterID.String()
	}
	fmt.Fprintf(w, "BGP: AS %d, router id %s\n", b.LocalAS, id)
	for _, p := range b.Peers {
		fmt.Fprintf(w, "BGP: peer %s\n", p)
	}
	in := announce.Input{BGP: b}
	var thresholds = map[string]string{}
	for _, v := range cfg.Virtuals {
		if v.Announce == nil {
			continue
		}
		id := v.Protocol.String() + " " + v.Name()
		av := announce.FromConfig(id, v, 0, false)
		av.Serving = av.Reals
		av.FallbackServing = av.Reals == 0 && v.Fallback != nil
		in.Virtuals = append(in.Virtuals, av)
		thresholds[id] = fmt.Sprintf("%s while %d of its %d real servers serve", id,
			announce.Needed(v.Announce.Threshold, av.Reals), av.Reals)
		if v.Fallback != nil {
			thresholds[id] += " or its fallback does"
		}
	}
	for _, p := range announce.Decide(in).Prefixes {
		nh := "self"
		if p.Attrs.NextHop.IsValid() {
			nh = p.Attrs.NextHop.String()
		}
		var comms []string
		for _, c := range p.Attrs.Communities {
			comms = append(comms, c.String())
		}
		attrs := fmt.Sprintf("MED %d, next hop %s", p.Attrs.MED, nh)
		if len(comms) > 0 {
			attrs += ", communities " + strings.Join(comms, ",")
		}
		var why []string
		for _, v := range p.Virtuals {
			why = append(why, thresholds[v])
		}
		verb := "would announce"
		if !p.Announced {
			verb = "would not announce"
		}
		fmt.Fprintf(w, "BGP: %s %s (%s): %s\n", verb, p.Prefix, attrs, strings.Join(why, "; "))
	}
	if b.WithdrawFile != "" {
		fmt.Fprintf(w, "BGP: nothing is announced while %s exists\n", b.WithdrawFile)
	}
}
