package cli

import (
	"time"

	"github.com/lvsctl/lvsctl/director"
)

// JSONBGP is the director's BGP side in `status --json`: the speaker
// program, its sessions and each prefix's announcement.
type JSONBGP struct {
	LocalAS  uint32      `json:"local_as"`
	RouterID *string     `json:"router_id"`
	Speaker  JSONSpeaker `json:"speaker"`
	// WithdrawFile is bgpwithdrawfile (null: none); WithdrawFileExists
	// says it was there at the last pass.
	WithdrawFile       *string `json:"withdraw_file"`
	WithdrawFileExists bool    `json:"withdraw_file_exists"`
	Stopping           bool    `json:"stopping"`
	// Error is why nothing is announced (a router id that cannot be
	// found), null when BGP runs.
	Error    *string         `json:"error"`
	Peers    []JSONBGPPeer   `json:"peers"`
	Prefixes []JSONBGPPrefix `json:"prefixes"`
}

// JSONSpeaker is the lvsctl-bgp program under the director.
type JSONSpeaker struct {
	State     string  `json:"state"` // starting, running, restarting, stopped
	PID       *int    `json:"pid"`
	Program   *string `json:"program"`
	Restarts  int     `json:"restarts"`
	LastExit  *string `json:"last_exit"`
	LastError *string `json:"last_error"`
}

// JSONBGPPeer is one session.
type JSONBGPPeer struct {
	Address string     `json:"address"`
	AS      uint32     `json:"as"`
	State   string     `json:"state"` // idle ... established
	Since   *time.Time `json:"since"`
	Flaps   int        `json:"flaps"`
}

// JSONBGPPrefix is one prefix: its state (announced, announcing,
// withdrawing, withdrawn), why it is not announced (threshold, withdraw
// file, stopping), and the virtual services behind it.
type JSONBGPPrefix struct {
	Prefix      string     `json:"prefix"`
	State       string     `json:"state"`
	Reason      *string    `json:"reason"`
	Since       *time.Time `json:"since"`
	MED         uint32     `json:"med"`
	NextHop     *string    `json:"next_hop"` // null: self
	Communities []string   `json:"communities"`
	Virtuals    []string   `json:"virtuals"`
	Qualifying  []string   `json:"qualifying"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func bgpJSON(b *director.BGPSnapshot) *JSONBGP {
	if b == nil {
		return nil
	}
	sp := b.Speaker
	j := &JSONBGP{LocalAS: sp.LocalAS, WithdrawFile: optString(b.WithdrawFile), WithdrawFileExists: b.WithdrawFileExists,
		Stopping: b.Stopping, Error: optString(b.Error), Peers: []JSONBGPPeer{}, Prefixes: []JSONBGPPrefix{},
		Speaker: JSONSpeaker{State: string(sp.State), Program: optString(sp.Program), Restarts: sp.Restarts,
			LastExit: optString(sp.LastExit), LastError: optString(sp.LastError)}}
	if sp.RouterID.IsValid() {
		j.RouterID = optString(sp.RouterID.String())
	}
	if sp.PID != 0 {
		pid := sp.PID
		j.Speaker.PID = &pid
	}
	for _, p := range sp.Peers {
		j.Peers = append(j.Peers, JSONBGPPeer{Address: p.Address.String(), AS: p.AS, State: p.State.String(),
			Since: optTime(p.Since), Flaps: p.Flaps})
	}
	for _, p := range b.Prefixes {
		state, reason := p.State()
		jp := JSONBGPPrefix{Prefix: p.Prefix.String(), State: state, Reason: optString(reason), Since: optTime(p.Since),
			MED: p.MED, Communities: append([]string{}, p.Communities...), Virtuals: append([]string{}, p.Virtuals...),
			Qualifying: append([]string{}, p.Qualifying...)}
		if p.NextHop.IsValid() {
			jp.NextHop = optString(p.NextHop.String())
		}
		j.Prefixes = append(j.Prefixes, jp)
	}
	return j
}
