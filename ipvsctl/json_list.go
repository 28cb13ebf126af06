package ipvsctl

import (
	"bufio"
	"fmt"
	"os"
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
		doc := JSONTimeouts{SchemaVersion: JSONSchemaVersion}
		doc.Timeouts.TCP, doc.Timeouts.TCPFin, doc.Timeouts.UDP = t.TCP, t.TCPFin, t.UDP
		return r.writeJSON(doc)
	case c.Has(OptDaemon):
		ds, err := r.Client.Daemons()
		if err != nil {
			return &ExitError{Code: 1}
		}
		doc := JSONDaemons{SchemaVersion: JSONSchemaVersion, Daemons: []JSONDaemon{}}
		for i := range ds {
			if j, ok := DaemonJSON(&ds[i]); ok {
				doc.Daemons = append(doc.Daemons, j)
			}
		}
		return r.writeJSON(doc)
	}
	info, err := r.Client.Info()
	if err != nil {
		return &ExitError{Code: 1, Msg: err.Error() + "\n"}
	}
	var svcs []Service
	if c.Has(OptService) {
		s, err := r.Client.GetService(c.Svc.Key())
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		svcs = []Service{s}
	} else if svcs, err = r.Client.Services(); err != nil {
		return &ExitError{Code: 1, Msg: err.Error() + "\n"}
	}
	if c.Format&FmtNoSort == 0 {
		SortServices(svcs)
	}
	doc := JSONServices{
		SchemaVersion: JSONSchemaVersion,
		IPVS:          JSONInfo{Version: info.VersionString(), ConnTabSize: info.ConnTabSize},
		Services:      make([]JSONService, 0, len(svcs)),
	}
	for i := range svcs {
		dests, err := r.Client.Destinations(&svcs[i])
		if err != nil {
			return &ExitError{Code: 1, Msg: err.Error() + "\n"}
		}
		if c.Format&FmtNoSort == 0 {
			SortDestinations(dests)
		}
		doc.Services = append(doc.Services, ServiceJSON(&svcs[i], dests))
	}
	return r.writeJSON(doc)
}

func (r *Runner) connectionsJSON() error {
	name := r.ConnFile
	if name == "" {
		name = ConnProcFile
	}
	f, err := os.Open(name)
	if err != nil {
		return &ExitError{Code: 1, Msg: "cannot open file " + ConnProcFile + "\n"}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	if !sc.Scan() { // the header
		return &ExitError{Code: 1, Msg: "unexpected input from " + ConnProcFile + "\n"}
	}
	doc := JSONConnections{SchemaVersion: JSONSchemaVersion, Connections: []JSONConnection{}}
	for sc.Scan() {
		if c, ok := ParseConnLine(sc.Text()); ok {
			doc.Connections = append(doc.Connections, ConnectionJSON(&c))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", ConnProcFile, err)
	}
	return r.writeJSON(doc)
}
