package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Exit statuses of lvsctl status, LSB's for a status action.
const (
	statusStale    = 1 // the pid file names no running daemon
	statusUsage    = 2
	statusStopped  = 3 // no director running
	statusNoAnswer = 4 // a director runs but cannot be asked
)

// statusTimeout bounds one question to a daemon.
const statusTimeout = 3 * time.Second

type statusOptions struct {
	io     *IOStreams
	runDir string
	args   []string
	asJSON bool
}

// newCmdStatus is `lvsctl status [--json] [CONFIG]`: the running
// director's view, read from its status socket. runF, if not nil, runs
// instead.
func newCmdStatus(f *Factory, runF func(*statusOptions) error) *cobra.Command {
	o := &statusOptions{io: f.IOStreams, runDir: f.RunDir}
	cmd := &cobra.Command{
		Use:   "status [--json] [CONFIG]",
		Short: "Show the running director's virtual and real servers",
		Long: `Ask the running director (lvsctl ldirectord) for its view: every virtual
service and real server with its check state, configured and kernel
weight, failure count, last check, latency and the last failure's reason.

CONFIG names the configuration as ldirectord does (its base name picks
the pid file /var/run/ldirectord.NAME.pid); without it every director
that has a pid file there is shown. The daemon answers on a root-only
unix socket beside its pid file.

Exit status: 0 shown; 1 the pid file is stale (the daemon died); 2 usage;
3 no director running (a director started with -d or supervised=yes has
no pid file and counts as none); 4 a director runs but cannot be asked
(not root; no status socket, as with Debian's ldirectord; no answer).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return &ExitError{Code: statusUsage, Err: fmt.Errorf("unexpected arguments %q", args[1:]), Usage: true}
			}
			return nil
		},
		// CONFIG completes to the directors that have a pid file.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			files, _ := filepath.Glob(daemon.PidPath(o.runDir, "*"))
			for _, f := range files {
				names = append(names, pidFileConfig(f))
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(_ *cobra.Command, args []string) error {
			o.args = args
			return orRun(runF, runStatus)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(statusUsage))
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print one JSON document (docs/json.md)")
	return cmd
}

// statusTarget is one director to ask, named by its configuration's base
// name.
type statusTarget struct {
	cfgName string
	pid     daemon.PidState
}

func runStatus(o *statusOptions) error {
	ios, runDir := o.io, o.runDir
	targets, err := statusTargets(runDir, o.args)
	if err != nil {
		return &ExitError{Code: statusNoAnswer, Err: err}
	}
	var snaps []director.Snapshot
	code := 0
	worse := func(c int, err error) {
		printError(ios.ErrOut, "status", err)
		// A failure to ask outranks a stale file, which outranks none.
		if code == 0 || c == statusNoAnswer || c == statusStale && code == statusStopped {
			code = c
		}
	}
	for _, tg := range targets {
		pidPath := daemon.PidPath(runDir, tg.cfgName)
		switch {
		case !tg.pid.Running && tg.pid.Defined:
			worse(statusStale, fmt.Errorf("stale pid file %s: no director running for %s", pidPath, tg.cfgName))
			continue
		case !tg.pid.Running:
			worse(statusStopped, fmt.Errorf("no director running for %s (no pid file %s)", tg.cfgName, pidPath))
			continue
		}
		snap, err := daemon.QueryStatus(daemon.SocketPath(runDir, tg.cfgName), statusTimeout)
		if err != nil {
			worse(statusNoAnswer, fmt.Errorf("director for %s (pid %d) does not answer: %w%s",
				tg.cfgName, tg.pid.PID, err, statusHint(err)))
			continue
		}
		snaps = append(snaps, snap)
	}
	if len(targets) == 0 {
		printError(ios.ErrOut, "status", fmt.Errorf("no director running (no pid file %s)", daemon.PidPath(runDir, "*")))
		code = statusStopped
	}
	// Errors leave stdout empty, as the listings' --json does, unless
	// some directors did answer.
	if len(snaps) > 0 {
		if err := writeStatus(ios, snaps, o.asJSON); err != nil {
			return err
		}
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// statusHint explains the two common reasons a daemon cannot be asked.
func statusHint(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return " (the socket is root's)"
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return " (no status socket: another ldirectord, or one still starting?)"
	}
	return ""
}

// statusTargets is the named configuration, or every director with a pid
// file in runDir.
func statusTargets(runDir string, args []string) ([]statusTarget, error) {
	if len(args) == 1 {
		name := lastPathPart(args[0])
		return []statusTarget{{cfgName: name, pid: daemon.PidFile{Path: daemon.PidPath(runDir, name)}.Read()}}, nil
	}
	files, err := filepath.Glob(daemon.PidPath(runDir, "*"))
	if err != nil {
		return nil, fmt.Errorf("list pid files: %w", err)
	}
	sort.Strings(files)
	var ts []statusTarget
	for _, f := range files {
		name := pidFileConfig(f)
		st := daemon.PidFile{Path: f}.Read()
		if !st.Defined {
			continue // an empty file: a start in progress or long gone
		}
		ts = append(ts, statusTarget{cfgName: name, pid: st})
	}
	// Without a name, stale files only matter when nothing runs.
	var running []statusTarget
	for _, t := range ts {
		if t.pid.Running {
			running = append(running, t)
		}
	}
	if len(running) > 0 {
		return running, nil
	}
	return ts, nil
}

// pidFileConfig is the configuration name in a pid file's name.
func pidFileConfig(path string) string {
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "ldirectord."), ".pid")
}

func writeStatus(ios *IOStreams, snaps []director.Snapshot, asJSON bool) error {
	if asJSON {
		if err := newJSONEncoder(ios.Out).Encode(statusDocument(snaps)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	for i, s := range snaps {
		if i > 0 {
			fmt.Fprintln(ios.Out)
		}
		fmt.Fprintf(ios.Out, "Director for %s, pid %d\n", s.Config, s.PID)
		if err := director.WriteStatusTable(ios.Out, s); err != nil {
			return err
		}
	}
	return nil
}

// JSONStatus is the document of `lvsctl status --json` (docs/json.md).
type JSONStatus struct {
	SchemaVersion int            `json:"schema_version"`
	Directors     []JSONDirector `json:"directors"`
}

// JSONDirector is one running director.
type JSONDirector struct {
	Config   string        `json:"config"`
	PID      int           `json:"pid"`
	Checks   JSONChecks    `json:"checks"`
	Virtuals []JSONVirtual `json:"virtuals"`
	// BGP is null while the configuration does not turn BGP on.
	BGP *JSONBGP `json:"bgp"`
}

// JSONChecks is how the director keeps up with its checks.
type JSONChecks struct {
	Policy           string  `json:"policy"`
	Reals            int     `json:"reals"`
	IntervalSeconds  float64 `json:"interval_seconds"`
	EffectiveSeconds float64 `json:"effective_interval_seconds"`
	Stretch          float64 `json:"stretch"`
	Behind           bool    `json:"behind"`
	Overdue          int     `json:"overdue"`
	LagSeconds       float64 `json:"lag_seconds"`
	LateTimeouts     uint64  `json:"late_timeouts"`
	Abandoned        uint64  `json:"abandoned"`
	StillRunning     int64   `json:"abandoned_running"`
	Panics           uint64  `json:"panics"`
	// ConcurrencyLimit is how many checks may run at once now, of
	// ConcurrencyCeiling.
	ConcurrencyLimit   int `json:"concurrency_limit"`
	ConcurrencyCeiling int `json:"concurrency_ceiling"`
}

// JSONVirtual is SERVICE_CONFIG with the director's name for it, its
// fallback server and its reals.
type JSONVirtual struct {
	Name string `json:"name"`
	ipvsctl.JSONServiceConfig
	Fallback *JSONFallback `json:"fallback"`
	Reals    []JSONReal    `json:"reals"`
	// Drift is every entry of the virtual that someone else changed,
	// as the daemon's log says it.
	Drift []string `json:"drift"`
}

// JSONFallback is DESTINATION_CONFIG of the fallback server and whether
// it is in the table.
type JSONFallback struct {
	ipvsctl.JSONDestinationConfig
	Active bool `json:"active"`
}

// JSONReal is DESTINATION_CONFIG (with the configured weight) and the
// real's health.
type JSONReal struct {
	ipvsctl.JSONDestinationConfig
	State          string     `json:"state"` // up, down, maintenance
	KernelWeight   *int32     `json:"kernel_weight"`
	Failures       int        `json:"failures"`
	LastCheck      *time.Time `json:"last_check"`
	LatencySeconds *float64   `json:"latency_seconds"`
	Reason         *string    `json:"reason"`
	Timeout        bool       `json:"timeout"`
	LagSeconds     *float64   `json:"lag_seconds"`
	Late           bool       `json:"late"`
	// Drift says how the real's entry in the table differs from what the
	// director wants; null if it does not.
	Drift *string `json:"drift"`
}

func statusDocument(snaps []director.Snapshot) JSONStatus {
	doc := JSONStatus{SchemaVersion: ipvsctl.JSONSchemaVersion, Directors: []JSONDirector{}}
	for _, s := range snaps {
		c := s.Checks
		d := JSONDirector{Config: s.Config, PID: s.PID, Virtuals: []JSONVirtual{}, Checks: JSONChecks{
			Policy: c.Policy, Reals: c.Reals, IntervalSeconds: c.Interval.Seconds(), EffectiveSeconds: c.Effective.Seconds(),
			Stretch: c.Stretch, Behind: c.Behind, Overdue: c.Overdue, LagSeconds: c.Lag.Seconds(),
			LateTimeouts: c.LateTimeouts, Abandoned: c.Abandoned, StillRunning: c.Stuck, Panics: c.Panics,
			ConcurrencyLimit: c.Limit, ConcurrencyCeiling: c.Ceiling,
		}}
		for _, v := range s.Virtuals {
			jv := JSONVirtual{Name: v.Name, JSONServiceConfig: v.Service, Reals: []JSONReal{}, Drift: []string{}}
			for _, d := range v.Drift {
				jv.Drift = append(jv.Drift, d.Text)
			}
			if jv.SchedFlags == nil {
				jv.SchedFlags = []string{}
			}
			if v.FallbackDest != nil {
				jv.Fallback = &JSONFallback{JSONDestinationConfig: *v.FallbackDest, Active: v.FallbackActive}
			}
			for _, r := range v.Reals {
				jv.Reals = append(jv.Reals, realJSON(r))
			}
			d.Virtuals = append(d.Virtuals, jv)
		}
		d.BGP = bgpJSON(s.BGP)
		doc.Directors = append(doc.Directors, d)
	}
	return doc
}

func realJSON(r director.RealSnapshot) JSONReal {
	j := JSONReal{JSONDestinationConfig: r.Destination, State: r.State(), KernelWeight: r.KernelWeight,
		Failures: r.Failures, Timeout: r.Timeout, Late: r.Late}
	if !r.LastCheck.IsZero() {
		t := r.LastCheck
		lat, lag := r.Latency.Seconds(), r.Lag.Seconds()
		j.LastCheck, j.LatencySeconds, j.LagSeconds = &t, &lat, &lag
	}
	if r.Reason != "" {
		reason := r.Reason
		j.Reason = &reason
	}
	if r.Drift != "" {
		drift := r.Drift
		j.Drift = &drift
	}
	return j
}
