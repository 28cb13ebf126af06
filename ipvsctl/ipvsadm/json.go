package ipvsadm

import (
	"encoding/json"
	"fmt"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The documents lvsctl's --json listings print (docs/json.md), built from
// ipvsctl's JSON pieces.

// JSONServices is the document of -L --json.
type JSONServices struct {
	SchemaVersion int                   `json:"schema_version"`
	IPVS          ipvsctl.JSONInfo      `json:"ipvs"`
	Services      []ipvsctl.JSONService `json:"services"`
}

// JSONConnections is the document of -Lc --json.
type JSONConnections struct {
	SchemaVersion int                      `json:"schema_version"`
	Connections   []ipvsctl.JSONConnection `json:"connections"`
}

// JSONTimeouts is the document of -L --timeout --json.
type JSONTimeouts struct {
	SchemaVersion int `json:"schema_version"`
	Timeouts      struct {
		TCP    uint32 `json:"tcp"`
		TCPFin uint32 `json:"tcp_fin"`
		UDP    uint32 `json:"udp"`
	} `json:"timeouts"`
}

// JSONDaemons is the document of -L --daemon --json.
type JSONDaemons struct {
	SchemaVersion int                  `json:"schema_version"`
	Daemons       []ipvsctl.JSONDaemon `json:"daemons"`
}

// writeJSON prints one indented document: people read it too, and jq does
// not mind.
func (r *Runner) writeJSON(v any) error {
	enc := json.NewEncoder(r.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return nil
}
