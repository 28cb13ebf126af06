package ipvsctl

// The diff of two tables: the fewest changes, each one ipvsadm command
// (the ipvsadm package writes and runs them), that turn one table into
// another. A rule present on both sides with the same configuration is
// never touched, so its connections, counters and rate estimators
// survive; an edit (-E, -e) is preferred to delete and add for the same
// reason.

// ChangeOp is the kind of a change, named as in docs/json.md.
type ChangeOp string

// Change kinds.
const (
	OpAddSvc  ChangeOp = "add_service"
	OpEditSvc ChangeOp = "edit_service"
	OpDelSvc  ChangeOp = "delete_service"
	OpAddDst  ChangeOp = "add_destination"
	OpEditDst ChangeOp = "edit_destination"
	OpDelDst  ChangeOp = "delete_destination"
)

// Change is one ipvsadm command of a diff. Service is the wanted service
// (the current one for a delete); Dest likewise for destination changes.
// WasSvc and WasDest hold the current configuration an edit replaces,
// WasDests the destinations a service delete takes with it: what undoes
// the change.
type Change struct {
	Op       ChangeOp
	Service  Service
	Dest     *Destination
	WasSvc   *Service
	WasDest  *Destination
	WasDests []Destination
}

// DiffTables returns the changes that turn have into want: first services
// that go, then, per wanted service in want's order, its add or edit and
// its destinations' deletes, edits and adds.
func DiffTables(have, want []VirtualService) []Change {
	var out []Change
	wanted := map[ServiceKey]bool{}
	for i := range want {
		wanted[want[i].Service.Key()] = true
	}
	current := map[ServiceKey]*VirtualService{}
	for i := range have {
		vs := &have[i]
		current[vs.Service.Key()] = vs
		if !wanted[vs.Service.Key()] {
			out = append(out, Change{Op: OpDelSvc, Service: vs.Service, WasDests: vs.Destinations})
		}
	}
	for i := range want {
		w := &want[i]
		h, ok := current[w.Service.Key()]
		if !ok {
			out = append(out, Change{Op: OpAddSvc, Service: w.Service})
			for j := range w.Destinations {
				out = append(out, Change{Op: OpAddDst, Service: w.Service, Dest: &w.Destinations[j]})
			}
			continue
		}
		if !sameService(&h.Service, &w.Service) {
			was := h.Service
			out = append(out, Change{Op: OpEditSvc, Service: w.Service, WasSvc: &was})
		}
		out = append(out, diffDests(&w.Service, h.Destinations, w.Destinations)...)
	}
	return out
}

func diffDests(svc *Service, have, want []Destination) []Change {
	var out []Change
	wanted := map[DestinationKey]bool{}
	for i := range want {
		wanted[want[i].Key()] = true
	}
	current := map[DestinationKey]*Destination{}
	for i := range have {
		d := &have[i]
		current[d.Key()] = d
		if !wanted[d.Key()] {
			out = append(out, Change{Op: OpDelDst, Service: *svc, Dest: d})
		}
	}
	for i := range want {
		w := &want[i]
		h, ok := current[w.Key()]
		switch {
		case !ok:
			out = append(out, Change{Op: OpAddDst, Service: *svc, Dest: w})
		case !sameDest(h, w):
			out = append(out, Change{Op: OpEditDst, Service: *svc, Dest: w, WasDest: h})
		}
	}
	return out
}

// sameService compares what -A sets. Timeout and netmask only mean
// something for a persistent service; other tools leave odd values there
// on non-persistent ones, and that is no reason to edit.
func sameService(a, b *Service) bool {
	const cfgFlags = ^SvcFlagHashed
	if a.Key() != b.Key() || a.Scheduler != b.Scheduler || a.PEName != b.PEName ||
		a.Flags&cfgFlags != b.Flags&cfgFlags {
		return false
	}
	if a.Flags&SvcFlagPersistent == 0 {
		return true
	}
	return a.Timeout == b.Timeout && a.Netmask == b.Netmask
}

// fwdKind folds Local into Route: -S writes both as -g, so a file can
// only say Route, and the kernel reports Local for a local address.
func fwdKind(m uint32) uint32 {
	if m&FwdMask == FwdLocal {
		return FwdRoute
	}
	return m & FwdMask
}

// sameDest compares what -a sets; tunnel settings count only for tunnels.
func sameDest(a, b *Destination) bool {
	if a.Key() != b.Key() || fwdKind(a.FwdMethod) != fwdKind(b.FwdMethod) || a.Weight != b.Weight ||
		a.UpperThreshold != b.UpperThreshold || a.LowerThreshold != b.LowerThreshold {
		return false
	}
	if a.FwdMethod&FwdMask != FwdTunnel {
		return true
	}
	return a.TunType == b.TunType && a.TunPort == b.TunPort && a.TunFlags == b.TunFlags
}
