package director

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter"
)

// WriteStatusTable renders a snapshot for people: one row per real.
func WriteStatusTable(w io.Writer, s Snapshot) error {
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
