package ipvsadm

import "github.com/lvsctl/lvsctl/ipvsctl"

// JSONTemplates is the document of lvsctl -Lc --templates --json: the
// persistence templates grouped by real server, then by service.
type JSONTemplates struct {
	SchemaVersion int                 `json:"schema_version"`
	Reals         []JSONTemplatesReal `json:"reals"`
}

// JSONTemplatesReal is one real server and the templates that pin
// clients to it.
type JSONTemplatesReal struct {
	Family   string                 `json:"family"`
	Address  string                 `json:"address"`
	Port     uint16                 `json:"port"` // 0 for an fwmark service's real
	Services []JSONTemplatesService `json:"services"`
}

// JSONTemplatesService is the templates of one real within one service.
type JSONTemplatesService struct {
	Service   *ipvsctl.JSONServiceConfig `json:"service"` // null when the service is gone
	Weight    *int32                     `json:"weight"`  // null when the real left the service
	Templates []JSONTemplate             `json:"templates"`
}

// JSONTemplate is one persistence template.
type JSONTemplate struct {
	Protocol       string `json:"protocol"` // tcp, udp, sctp; ip for fwmark
	ClientNetwork  string `json:"client_network"`
	PrefixLength   int    `json:"prefix_length"`
	VirtualAddress string `json:"virtual_address"`
	VirtualPort    uint16 `json:"virtual_port"`
	State          string `json:"state"`
	Expires        int    `json:"expires"` // seconds
}
