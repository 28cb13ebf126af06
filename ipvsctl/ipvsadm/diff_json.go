package ipvsadm

import "github.com/lvsctl/lvsctl/ipvsctl"

// JSONChange is one change of lvsctl diff --json (and apply --json).
type JSONChange struct {
	Op      ipvsctl.ChangeOp               `json:"op"`
	Command string                         `json:"command"` // the ipvsadm command line
	Service ipvsctl.JSONServiceConfig      `json:"service"`
	Dest    *ipvsctl.JSONDestinationConfig `json:"destination"` // null for service changes
	// Was is the configuration an edit replaces (a service or a
	// destination, as the op says); null for adds and deletes.
	Was any `json:"was"`
	// State is what apply did with the change (made, refused, undone,
	// undo_failed, not_run): apply only.
	State ChangeState `json:"state,omitempty"`
	// Error is the kernel's refusal of the change (refused) or of its
	// undo (undo_failed): apply only.
	Error *string `json:"error,omitempty"`
}

// JSONDiff is the document of lvsctl diff --json and apply --json.
type JSONDiff struct {
	SchemaVersion int          `json:"schema_version"`
	Changes       []JSONChange `json:"changes"`
}

// changeJSON renders one change.
func changeJSON(c *ipvsctl.Change) JSONChange {
	j := JSONChange{Op: c.Op, Command: CommandLine(c), Service: ipvsctl.ServiceConfigJSON(&c.Service)}
	if c.Dest != nil {
		d := ipvsctl.DestinationConfigJSON(c.Dest)
		j.Dest = &d
	}
	switch {
	case c.WasSvc != nil:
		j.Was = ipvsctl.ServiceConfigJSON(c.WasSvc)
	case c.WasDest != nil:
		j.Was = ipvsctl.DestinationConfigJSON(c.WasDest)
	}
	return j
}

// DiffJSON renders a change set.
func DiffJSON(changes []ipvsctl.Change) JSONDiff {
	doc := JSONDiff{SchemaVersion: ipvsctl.JSONSchemaVersion, Changes: make([]JSONChange, 0, len(changes))}
	for i := range changes {
		doc.Changes = append(doc.Changes, changeJSON(&changes[i]))
	}
	return doc
}
