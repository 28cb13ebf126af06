package bgpwire

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// SessionState is a BGP session's FSM state (RFC 4271 §8).
type SessionState int

// Session states.
const (
	Idle SessionState = iota
	Connect
	Active
	OpenSent
	OpenConfirm
	Established
)

var stateNames = []string{"idle", "connect", "active", "opensent", "openconfirm", "established"}

func (s SessionState) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// MarshalText writes the state's name.
func (s SessionState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name, so that a Status read back from
// JSON (the speaker program's, a client of `status --json`) is the one
// written.
func (s *SessionState) UnmarshalText(b []byte) error {
	i := slices.Index(stateNames, string(b))
	if i < 0 {
		return fmt.Errorf("bgp: unknown session state %q", b)
	}
	*s = SessionState(i)
	return nil
}

// Status is the speaker's state for `status` and metrics.
type Status struct {
	Running  bool
	LocalAS  uint32
	RouterID netip.Addr
	Peers    []PeerStatus   // by address
	Prefixes []PrefixStatus // by prefix
}

// PeerStatus is one session.
type PeerStatus struct {
	Address netip.Addr
	AS      uint32
	State   SessionState
	// Since is when the session entered State (the start of its uptime
	// when Established).
	Since time.Time
	// Flaps counts the times the session left Established other than by
	// a reconfiguration or a stop.
	Flaps int
}

// PrefixStatus is one prefix handed to the speaker since the last
// reconfiguration.
type PrefixStatus struct {
	Prefix    netip.Prefix
	Announced bool
	Attrs     Attrs     // the last announced ones
	Since     time.Time // the last change between announced and withdrawn
}

// Clone copies s deeply.
func (s Status) Clone() Status {
	s.Peers = slices.Clone(s.Peers)
	s.Prefixes = slices.Clone(s.Prefixes)
	for i := range s.Prefixes {
		s.Prefixes[i].Attrs = s.Prefixes[i].Attrs.Clone()
	}
	return s
}
