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

For node_exporter's textfile collector, from cron:
  lvsctl metrics -o /var/lib/prometheus/node-exporter/lvs.prom
(-o writes a temporary file and renames it, so the collector never reads
half a file). The daemon serves the same metrics, and its check metrics,
with lvsctl ldirectord --metrics-listen ADDR.`,
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
	c, err := o.open()
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("open IPVS: %w", err)}
	}
	defer c.Close()
	var s metrics.Set
	if err := metrics.CollectIPVS(&s, c); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		return err
	}
	if o.output == "" {
		if _, err := o.io.Out.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	return writeFileAtomic(o.output, buf.Bytes())
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
