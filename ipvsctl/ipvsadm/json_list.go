package ipvsadm

import (
	"fmt"
	"os"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// listJSON is -L --json: the same reads and the same failures as the text
// listing, one JSON document out. Display options that only choose
// columns (--stats, --rate, --thresholds, --persistent-conn, --tun-info,
// --exact, -n) change nothing: the document always carries every field,
// exact and numeric, so a script never depends on how it was asked.
func (r *Runner) listJSON(c *Command) error {
	switch {
	case c.Has(OptConnection):
		return r.connectionsJSON()
	case c.Has(OptTimeout):
		t, err := r.Client.Timeouts()
		if err != nil {
			return &ExitError{Code: 1}
		}
		doc := JSONTimeouts{SchemaVersion: ipvsctl.JSONSchemaVersion}
		doc.Timeouts.TCP, doc.Timeouts.TCPFin, doc.Timeouts.UDP = t.TCP, t.TCPFin, t.UDP
		return r.writeJSON(doc)
	case c.Has(OptDaemon):
		ds, err := r.Client.Daemons()
		if err != nil {
			return &ExitError{Code: 1}
		}
		doc := JSONDaemons{SchemaVersion: ipvsctl.JSONSchemaVersion, Daemons: []ipvsctl.JSONDaemon{}}
		for i := range ds {
			if j, ok := ipvsctl.DaemonJSON(&ds[i]); ok {
				doc.Daemons = append(doc.Daemons, j)
			}
		}
		return r.writeJSON(doc)
	}
	info, err := r.Client.Info()
	if err != nil {
		return &ExitError{Code: 1, Msg: err.Error() + "\n"}
	}
	var svcs []ipvsctl.Service
	if c.Has(OptService) {
		s, err := r.Client.GetService(c.Svc.Key())
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		svcs = []ipvsctl.Service{s}
	} else if svcs, err = r.Client.Services(); err != nil {
		return &ExitError{Code: 1, Msg: err.Error() + "\n"}
	}
	if c.Format&FmtNoSort == 0 {
		ipvsctl.SortServices(svcs)
	}
	doc := JSONServices{
		SchemaVersion: ipvsctl.JSONSchemaVersion,
		IPVS:          ipvsctl.JSONInfo{Version: info.VersionString(), ConnTabSize: info.ConnTabSize},
		Services:      make([]ipvsctl.JSONService, 0, len(svcs)),
	}
	for i := range svcs {
		dests, err := r.Client.Destinations(&svcs[i])
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		if c.Format&FmtNoSort == 0 {
			ipvsctl.SortDestinations(dests)
		}
		doc.Services = append(doc.Services, ipvsctl.ServiceJSON(&svcs[i], dests))
	}
	return r.writeJSON(doc)
}

func (r *Runner) connectionsJSON() error {
	name := r.ConnFile
	if name == "" {
		name = ipvsctl.ConnProcFile
	}
	f, err := os.Open(name)
	if err != nil {
		return &ExitError{Code: 1, Msg: "cannot open file " + ipvsctl.ConnProcFile + "\n"}
	}
	defer f.Close()
	sc := ipvsctl.NewConnScanner(f)
	if !sc.Header() {
		return &ExitError{Code: 1, Msg: "unexpected input from " + ipvsctl.ConnProcFile + "\n"}
	}
	doc := JSONConnections{SchemaVersion: ipvsctl.JSONSchemaVersion, Connections: []ipvsctl.JSONConnection{}}
	for sc.Scan() {
		doc.Connections = append(doc.Connections, ipvsctl.ConnectionJSON(sc.Conn()))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", ipvsctl.ConnProcFile, err)
	}
	return r.writeJSON(doc)
}
