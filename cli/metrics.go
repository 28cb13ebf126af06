package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/metrics"
)

type metricsOptions struct {
	io     *IOStreams
	open   func() (ipvsctl.Client, error)
	output string
}

// newCmdMetrics is `lvsctl metrics`: the IPVS table once in Prometheus'
// text format, for node_exporter's textfile collector run from cron.
// runF, if not nil, runs instead.
func newCmdMetrics(f *Factory, runF func(*metricsOptions) error) *cobra.Command {
	o := &metricsOptions{io: f.IOStreams, open: f.OpenIPVS}
	cmd := &cobra.Command{
		Use:   "metrics [-o FILE]",
		Short: "Print the IPVS table as Prometheus metrics, once",
		Long: `Print every virtual service and real server with its counters, rates,
weight and connection counts in the Prometheus text exposition format.

The first metric, lvs_up, is 1 when the table was read. When IPVS cannot
be opened or read, lvs_up 0 is written alone, as exporters say a target
is down, and the status is 1.

For node_exporter's textfile collector, from cron:
  lvsctl metrics -o /var/lib/prometheus/node-exporter/lvs.prom
(-o writes a temporary file and renames it over FILE, so the collector
never reads half a file, nor an old table once IPVS is gone). The daemon
serves the same metrics, and its check metrics, with lvsctl ldirectord
--metrics-listen ADDR.

Exit status: 0 written, 1 IPVS could not be read (lvs_up 0 written) or
the output could not be written, 2 usage.`,
		Args:          noArgs(2),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return orRun(runF, runMetrics)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(2))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to FILE (atomically) instead of standard output")
	return cmd
}

func runMetrics(o *metricsOptions) error {
	s, err := collectMetrics(o.open)
	var buf bytes.Buffer
	if _, werr := s.WriteTo(&buf); werr != nil {
		return werr
	}
	if o.output == "" {
		if _, werr := o.io.Out.Write(buf.Bytes()); werr != nil {
			return fmt.Errorf("write: %w", werr)
		}
	} else if werr := writeFileAtomic(o.output, buf.Bytes()); werr != nil {
		return werr
	}
	if err != nil {
		// lvs_up 0 is the exporters' way of saying it; the status and
		// the message are cron's.
		return fmt.Errorf("%w (lvs_up 0 written)", err)
	}
	return nil
}

// collectMetrics reads the table into a set that starts with lvs_up: 1
// and the table, or, when IPVS cannot be opened or read, lvs_up 0 alone
// (no half table), and the error.
func collectMetrics(open func() (ipvsctl.Client, error)) (*metrics.Set, error) {
	const upHelp = "Whether the IPVS table could be read (1) or not (0)."
	s := &metrics.Set{}
	up := s.Family("lvs_up", metrics.Gauge, upHelp)
	c, err := open()
	if err != nil {
		err = fmt.Errorf("open IPVS: %w", err)
	} else {
		defer c.Close()
		err = metrics.CollectIPVS(s, c)
	}
	if err != nil {
		s = &metrics.Set{}
		s.Family("lvs_up", metrics.Gauge, upHelp).Add(0, nil)
		return s, err
	}
	up.Add(1, nil)
	return s, nil
}

// writeFileAtomic writes through a temporary file in the same directory
// and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := f.Chmod(0o644); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}
