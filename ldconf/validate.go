package ldconf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Limits ipvsadm enforces on what ldirectord passes it.
const (
	maxPersistent = 2678400 // -p: 31 days
	maxInt32      = 1<<31 - 1
	maxFWMark     = 1<<32 - 1
)

// validate marks what ipvsadm or the kernel would refuse when ldirectord
// runs its commands (ldirectord only logs those failures and carries on,
// so the configuration is still accepted), and applies the deliberate
// deviation for l: without u:.
func (p *parser) validate() {
	for _, pv := range p.done {
		v := pv.v
		v.Rejected = virtualRejection(v)
		if v.Rejected != "" {
			p.warn(v.Line, false, "virtual service %s will not be created: %s", virtualID(v), v.Rejected)
		}
		if !slices.Contains(ipvsctl.Schedulers, v.Scheduler) {
			// Only a scheduler= line can name one.
			p.warnText(pv.schedulerLine, fmt.Sprintf("scheduler %q is not one Linux ships; the kernel may refuse the virtual service", v.Scheduler),
				schedulerHint(v.Scheduler))
		}
		for _, r := range v.Reals {
			p.validateReal(v, r)
		}
		p.warnCollisions(v)
	}
}

// warnCollisions reports real servers the kernel sees as one (same
// address, and the same port once gate/ipip servers take the virtual's);
// see Table for which one wins.
func (p *parser) warnCollisions(v *Virtual) {
	first := map[ipvsctl.DestinationKey]*Real{}
	for _, r := range v.Reals {
		if r.Rejected != "" {
			continue
		}
		d := v.dest(r.Address, r.Port, r.Forward, 0, 0, 0)
		k := d.Key()
		if prev, ok := first[k]; ok && prev.Line != r.Line {
			winner := "the later settings win"
			if prev.Port != r.Port {
				winner = "ldirectord cannot add the second one, the first wins"
			}
			p.warn(r.Line, false, "real server %s is the same kernel entry as the one on line %d; %s", netip.AddrPortFrom(k.Address, k.Port), prev.Line, winner)
			continue
		}
		first[k] = r
	}
}

func virtualRejection(v *Virtual) string {
	if v.Protocol == FWM && (v.FWMark == 0 || v.FWMark > maxFWMark) {
		return fmt.Sprintf("invalid fwmark value `%s' specified", v.FWMarkText)
	}
	if v.Persistent {
		if s := v.PersistentTimeout.Seconds(); s < 1 || s > maxPersistent {
			return fmt.Sprintf("invalid timeout value `%.0f' specified", s)
		}
		if v.Netmask != "" && v.Family == IPv4 {
			if _, ok := inetAton(v.Netmask); !ok {
				return "illegal virtual server persistent mask specified"
			}
		}
	} else if v.Protocol != FWM && v.Port == 0 {
		return "Zero port specified for non-persistent service"
	}
	if _, err := schedFlags(v.SchedFlags, v.Scheduler); err != "" {
		return err
	}
	return ""
}

func (p *parser) validateReal(v *Virtual, r *Real) {
	switch {
	case r.Weight > maxInt32:
		r.Rejected = "illegal weight specified"
	case r.UpperThreshold > maxInt32:
		r.Rejected = "illegal u_threshold specified"
	case r.LowerThreshold > maxInt32:
		r.Rejected = "illegal l_threshold specified"
	case r.LowerThreshold > 0 && r.UpperThreshold == 0:
		// ldirectord passes "-x 0 -y N", which the kernel refuses, so the
		// real never appears. We add it without the lower threshold.
		p.warn(r.Line, true, "l:%d without u: is refused by the kernel (a lower threshold needs an upper one); ldirectord never adds this real server, lvsctl adds it without the lower threshold", r.LowerThreshold)
		r.LowerThreshold = 0
	case r.LowerThreshold > r.UpperThreshold:
		r.Rejected = "lower threshold above the upper one (Numerical result out of range)"
	}
	if r.Rejected != "" {
		p.warn(r.Line, false, "real server %s will not be added to %s: %s", r.Address, virtualID(v), r.Rejected)
	}
}

// schedFlags parses -b FLAGS as ipvsadm does with the given scheduler:
// empty items are skipped, sh-/mh- flags need their scheduler.
func schedFlags(flags, sched string) (uint32, string) {
	var out uint32
	if flags == "" {
		return 0, ""
	}
	for _, f := range strings.Split(flags, ",") {
		need := ""
		switch f {
		case "":
			continue
		case "flag-1":
			out |= ipvsctl.SvcFlagSchedFlag1
		case "flag-2":
			out |= ipvsctl.SvcFlagSchedFlag2
		case "flag-3":
			out |= ipvsctl.SvcFlagSchedFlag3
		case "sh-fallback":
			out, need = out|ipvsctl.SvcFlagSchedFlag1, "sh"
		case "sh-port":
			out, need = out|ipvsctl.SvcFlagSchedFlag2, "sh"
		case "mh-fallback":
			out, need = out|ipvsctl.SvcFlagSchedFlag1, "mh"
		case "mh-port":
			out, need = out|ipvsctl.SvcFlagSchedFlag2, "mh"
		default:
			return 0, fmt.Sprintf("invalid scheduler flag `%s'", f)
		}
		if need != "" && need != sched {
			return 0, fmt.Sprintf("incompatible scheduler flag `%s'", f)
		}
	}
	return out, ""
}
