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
