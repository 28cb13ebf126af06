package director

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
)

// WriteStatusTable renders a snapshot for people: a line on how the
// checks keep up, then one row per real.
func WriteStatusTable(w io.Writer, s Snapshot) error {
	if _, err := fmt.Fprintln(w, ChecksLine(s.Checks)); err != nil {
		return fmt.Errorf("status table: %w", err)
	}
	t := tablewriter.NewWriter(w)
	t.Header("Virtual", "Real", "Fwd", "State", "Weight", "Kernel", "Fails", "Last check", "Latency", "Reason", "Drift")
	for _, v := range s.Virtuals {
		name := v.Protocol + " " + v.Name
		for _, r := range v.Reals {
			state := r.State()
			kernel := "-"
			if r.KernelWeight != nil {
				kernel = strconv.Itoa(int(*r.KernelWeight))
			}
			last, lat := "-", "-"
			if !r.LastCheck.IsZero() {
				last = r.LastCheck.Format(time.TimeOnly)
				lat = r.Latency.Round(time.Millisecond).String()
			}
			drift := "-"
			if r.Drift != "" {
				drift = r.Drift
			}
			if err := t.Append(name, r.Server, r.Forward, state, strconv.FormatInt(r.Weight, 10), kernel,
				strconv.Itoa(r.Failures), last, lat, r.Reason, drift); err != nil {
				return fmt.Errorf("status table: %w", err)
			}
		}
		if v.Fallback != "" {
			state := "standby"
			if v.FallbackActive {
				state = "active"
			}
			if err := t.Append(name, v.Fallback, "fallback", state, "1", "-", "-", "-", "-", "", "-"); err != nil {
				return fmt.Errorf("status table: %w", err)
			}
		}
		// The drift no real's row shows: the virtual's own, the
		// fallback's, unconfigured servers'.
		for _, d := range v.Drift {
			if d.Configured {
				continue
			}
			server := d.Server
			if server == "" {
				server = "-"
			}
			if err := t.Append(name, server, d.Tag, "-", "-", "-", "-", "-", "-", "", d.How); err != nil {
				return fmt.Errorf("status table: %w", err)
			}
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("status table: %w", err)
	}
	if s.BGP != nil {
		return writeBGPTables(w, s.BGP)
	}
	return nil
}

// State is the real's health in a word: up, down or maintenance.
func (r RealSnapshot) State() string {
	switch {
	case r.Maintenance:
		return "maintenance"
	case r.Up:
		return "up"
	}
	return "down"
}

// ChecksLine says how the director keeps up with its checks, in the
// words of its log's warnings.
func ChecksLine(c CheckPace) string {
	var b strings.Builder
	if c.Behind {
		fmt.Fprintf(&b, "Checks: falling behind: %d reals, effective interval %s (configured %s)", c.Reals, seconds(c.Effective), seconds(c.Interval))
	} else {
		fmt.Fprintf(&b, "Checks: on time: %d reals, interval %s", c.Reals, seconds(c.Effective))
		if c.Effective != c.Interval {
			fmt.Fprintf(&b, " (configured %s)", seconds(c.Interval))
		}
	}
	fmt.Fprintf(&b, "; checkoverload=%s; %d overdue, largest recent lag %s", c.Policy, c.Overdue, c.Lag.Round(time.Millisecond))
	if c.Limit < c.Ceiling {
		fmt.Fprintf(&b, "; at most %d checks at once (of %d)", c.Limit, c.Ceiling)
	}
	if c.LateTimeouts > 0 {
		fmt.Fprintf(&b, "; %d timeouts taken as no answer yet", c.LateTimeouts)
	}
	if c.Abandoned > 0 {
		fmt.Fprintf(&b, "; %d checks abandoned (%d still running)", c.Abandoned, c.Stuck)
	}
	if c.Panics > 0 {
		fmt.Fprintf(&b, "; %d checks panicked", c.Panics)
	}
	return b.String()
}

// writeBGPTables renders the BGP side: a line on the speaker, its
// sessions, and each prefix's announcement with the reason.
func writeBGPTables(w io.Writer, b *BGPSnapshot) error {
	sp := b.Speaker
	fmt.Fprintf(w, "BGP: %s\n", bgpSummary(b))
	if len(sp.Peers) > 0 {
		t := tablewriter.NewWriter(w)
		t.Header("Peer", "AS", "Session", "Since", "Flaps")
		for _, p := range sp.Peers {
			since := "-"
			if !p.Since.IsZero() {
				since = p.Since.Format(time.DateTime)
			}
			if err := t.Append(p.Address.String(), strconv.FormatUint(uint64(p.AS), 10), p.State.String(), since,
				strconv.Itoa(p.Flaps)); err != nil {
				return fmt.Errorf("status table: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("status table: %w", err)
		}
	}
	if len(b.Prefixes) == 0 {
		return nil
	}
	t := tablewriter.NewWriter(w)
	t.Header("Prefix", "State", "Reason", "MED", "Virtuals serving")
	for _, p := range b.Prefixes {
		state, reason := p.State()
		if err := t.Append(p.Prefix.String(), state, reason, strconv.FormatUint(uint64(p.MED), 10),
			fmt.Sprintf("%d of %d", len(p.Qualifying), len(p.Virtuals))); err != nil {
			return fmt.Errorf("status table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("status table: %w", err)
	}
	return nil
}

// bgpSummary is the speaker in a line: "AS 65010, router id 10.0.0.1,
// speaker running (pid 812); withdraw file /etc/ha.d/withdraw absent".
func bgpSummary(b *BGPSnapshot) string {
	sp := b.Speaker
	var s strings.Builder
	if b.Error != "" {
		s.WriteString("off: " + b.Error)
		return s.String()
	}
	if sp.LocalAS != 0 {
		fmt.Fprintf(&s, "AS %d, router id %s, ", sp.LocalAS, sp.RouterID)
	}
	fmt.Fprintf(&s, "speaker %s", sp.State)
	var about []string
	if sp.PID != 0 {
		about = append(about, fmt.Sprintf("pid %d", sp.PID))
	}
	if !sp.RetryAt.IsZero() {
		about = append(about, "next start "+sp.RetryAt.Format(time.TimeOnly))
	}
	if sp.Restarts > 0 {
		about = append(about, fmt.Sprintf("%d restarts", sp.Restarts))
	}
	if sp.LastExit != "" {
		about = append(about, "last ended: "+sp.LastExit)
	}
	if len(about) > 0 {
		s.WriteString(" (" + strings.Join(about, ", ") + ")")
	}
	if sp.LastError != "" {
		s.WriteString("; " + sp.LastError)
	}
	if b.WithdrawFile != "" {
		state := "absent"
		if b.WithdrawFileExists {
			state = "present: every prefix withdrawn"
		}
		fmt.Fprintf(&s, "; withdraw file %s %s", b.WithdrawFile, state)
	}
	if b.Stopping {
		s.WriteString("; stopping")
	}
	return s.String()
}

// State is the prefix's announcement in a word, with why it is not
// announced: "announced"; "announcing" (decided, the speaker does not
// hold it yet); "withdrawing" (decided against, the speaker still holds
// it); "withdrawn".
func (p BGPPrefix) State() (state, reason string) {
	switch {
	case p.Announced && p.Held:
		return "announced", ""
	case p.Announced:
		return "announcing", "the speaker does not hold it yet"
	case p.Held:
		return "withdrawing", p.Reason
	}
	return "withdrawn", p.Reason
}
