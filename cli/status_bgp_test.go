package cli

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/internal/bgpproc"
	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// The BGP part of status --json: the speaker, each session, each prefix
// with its state and reason; nulls where nothing is known, lists never
// null.
func TestStatusJSONBGP(t *testing.T) {
	since := time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)
	sp := bgpproc.Status{State: bgpproc.Running, PID: 812, Program: "/usr/libexec/lvsctl/lvsctl-bgp"}
	sp.Running, sp.LocalAS, sp.RouterID = true, 65010, netip.MustParseAddr("10.20.0.11")
	sp.Peers = []bgpwire.PeerStatus{{Address: netip.MustParseAddr("10.20.0.1"), AS: 65000, State: bgpwire.Established, Since: since, Flaps: 2}}
	snap := director.Snapshot{Config: "scale-out.cf", PID: 800, Checks: director.CheckPace{Policy: "stretch", Reals: 2,
		Interval: 2 * time.Second, Effective: 2 * time.Second, Stretch: 1}, BGP: &director.BGPSnapshot{
		Speaker: sp, WithdrawFile: "/etc/ha.d/withdraw",
		Prefixes: []director.BGPPrefix{
			{Prefix: netip.MustParsePrefix("192.0.2.100/32"), Announced: true, Held: true, Since: since, MED: 10,
				Communities: []string{"65000:100"}, Virtuals: []string{"tcp 192.0.2.100:80"}, Qualifying: []string{"tcp 192.0.2.100:80"}},
			{Prefix: netip.MustParsePrefix("192.0.2.101/32"), Reason: "threshold", Communities: []string{},
				NextHop: netip.MustParseAddr("10.20.0.11"), Virtuals: []string{"tcp 192.0.2.101:80"}},
		},
	}}
	var out bytes.Buffer
	if err := writeStatus(&IOStreams{Out: &out}, []director.Snapshot{snap}, true); err != nil {
		t.Fatal(err)
	}
	want := `{
  "schema_version": 1,
  "directors": [
    {
      "config": "scale-out.cf",
      "pid": 800,
      "checks": {
        "policy": "stretch",
        "reals": 2,
        "interval_seconds": 2,
        "effective_interval_seconds": 2,
        "stretch": 1,
        "behind": false,
        "overdue": 0,
        "lag_seconds": 0,
        "late_timeouts": 0,
        "abandoned": 0,
        "abandoned_running": 0,
        "panics": 0,
        "concurrency_limit": 0,
        "concurrency_ceiling": 0
      },
      "virtuals": [],
      "bgp": {
        "local_as": 65010,
        "router_id": "10.20.0.11",
        "speaker": {
          "state": "running",
          "pid": 812,
          "program": "/usr/libexec/lvsctl/lvsctl-bgp",
          "restarts": 0,
          "last_exit": null,
          "last_error": null
        },
        "withdraw_file": "/etc/ha.d/withdraw",
        "withdraw_file_exists": false,
        "stopping": false,
        "error": null,
        "peers": [
          {
            "address": "10.20.0.1",
            "as": 65000,
            "state": "established",
            "since": "2026-12-04T07:00:00Z",
            "flaps": 2
          }
        ],
        "prefixes": [
          {
            "prefix": "192.0.2.100/32",
            "state": "announced",
            "reason": null,
            "since": "2026-12-04T07:00:00Z",
            "med": 10,
            "next_hop": null,
            "communities": [
              "65000:100"
            ],
            "virtuals": [
              "tcp 192.0.2.100:80"
            ],
            "qualifying": [
              "tcp 192.0.2.100:80"
            ]
          },
          {
            "prefix": "192.0.2.101/32",
            "state": "withdrawn",
            "reason": "threshold",
            "since": null,
            "med": 0,
            "next_hop": "10.20.0.11",
            "communities": [],
            "virtuals": [
              "tcp 192.0.2.101:80"
            ],
            "qualifying": []
          }
        ]
      }
    }
  ]
}
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Without BGP: "bgp": null.
	out.Reset()
	snap.BGP = nil
	if err := writeStatus(&IOStreams{Out: &out}, []director.Snapshot{snap}, true); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"virtuals": [],
      "bgp": null
`)) {
		t.Errorf("without BGP:\n%s", out.String())
	}
}
