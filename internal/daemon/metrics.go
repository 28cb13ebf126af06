package daemon

import (
	"fmt"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/metrics"
)

// serveMetrics serves the daemon's /metrics on addr: the kernel's table
// read through a client of its own (scrapes must not share the
// reconciler's), what m records, and the process. stop closes both.
func serveMetrics(addr string, open func() (ipvsctl.Client, error), m *director.Metrics) (stop func(), err error) {
	c, err := open()
	if err != nil {
		return nil, fmt.Errorf("metrics: open IPVS: %w", err)
	}
	stopHTTP, err := metrics.Serve(addr, func(s *metrics.Set) error {
		if err := metrics.CollectIPVS(s, c); err != nil {
			return err
		}
		m.Gather(s)
		metrics.CollectProcess(s)
		return nil
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	return func() {
		stopHTTP()
		c.Close()
	}, nil
}
