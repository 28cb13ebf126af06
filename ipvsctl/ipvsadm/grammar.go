package ipvsadm

import (
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// ipvsadm's commands, options and their legal combinations, as data. The
// table that scans them is in options.go, the checks that read the
// combinations in check.go.

// Cmd is an ipvsadm command (CMD_*), numbered as ipvsadm numbers them.
type Cmd int

// Commands.
const (
	CmdNone Cmd = iota
	CmdAdd
	CmdEdit
	CmdDel
	CmdFlush
	CmdList
	CmdAddDest
	CmdDelDest
	CmdEditDest
	CmdTimeout
	CmdStartDaemon
	CmdStopDaemon
	CmdRestore
	CmdSave
	CmdZero
)

var cmdNames = [...]string{
	CmdAdd: "add-service", CmdEdit: "edit-service", CmdDel: "delete-service",
	CmdFlush: "flush", CmdList: "list", CmdAddDest: "add-server",
	CmdDelDest: "delete-server", CmdEditDest: "edit-server", CmdTimeout: "set",
	CmdStartDaemon: "start-daemon", CmdStopDaemon: "stop-daemon",
	CmdRestore: "restore", CmdSave: "save", CmdZero: "zero",
}

// String is the command's name in ipvsadm's messages ("add-service").
func (c Cmd) String() string {
	if c > CmdNone && int(c) < len(cmdNames) {
		return cmdNames[c]
	}
	return "Cmd(" + strconv.Itoa(int(c)) + ")"
}

// Option is one of ipvsadm's options (OPTC_*), numbered as ipvsadm
// numbers them: bit o of Options is option o.
type Option int

// Options, in ipvsadm's order.
const (
	OptNumeric Option = iota
	OptConnection
	OptService
	OptScheduler
	OptPersistent
	OptNetmask
	OptServer
	OptForward
	OptWeight
	OptUThreshold
	OptLThreshold
	OptMcast
	OptTimeout
	OptDaemon
	OptStats
	OptRate
	OptThresholds
	OptPersistentConn
	OptNoSort
	OptSyncID
	OptExact
	OptOnePacket
	OptPE
	OptSchedFlags
	OptMcastGroup
	OptMcastPort
	OptMcastTTL
	OptSyncMaxLen
	OptTunInfo
	OptTunType
	OptTunPort
	OptTunNoCsum
	OptTunCsum
	OptTunRemCsum
	numOpts

	// noBit marks the table rows that set no option bit (-6, --sort,
	// lvsctl's extensions): they may repeat.
	noBit Option = -1
)

var optNames = [numOpts]string{
	"numeric", "connection", "service-address", "scheduler", "persistent",
	"netmask", "real-server", "forwarding-method", "weight", "u-threshold",
	"l-threshold", "mcast-interface", "timeout", "daemon", "stats", "rate",
	"thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
	"sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen",
	"tun-info", "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum",
}

// String is the option's name in ipvsadm's messages ("service-address").
func (o Option) String() string {
	if o >= 0 && o < numOpts {
		return optNames[o]
	}
	return "Option(" + strconv.Itoa(int(o)) + ")"
}

// Options is a set of options: bit o for Option o.
type Options uint64

// Has reports whether o is in the set.
func (s Options) Has(o Option) bool { return s&(1<<uint(o)) != 0 }

// String names the options in the set, in ipvsadm's order, comma-separated.
func (s Options) String() string {
	var names []string
	for o := range numOpts {
		if s.Has(o) {
			names = append(names, o.String())
		}
	}
	return strings.Join(names, ",")
}

func optionSet(opts ...Option) Options {
	var s Options
	for _, o := range opts {
		s |= 1 << uint(o)
	}
	return s
}

// commandOptions says, per command, for each option (in Option order):
// '+' required, 'x' illegal, '1' at most one of the '1's, ' ' optional.
var commandOptions = [...]string{
	// columns in option order: numeric connection service scheduler ... tun-remcsum
	CmdAdd:         "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
	CmdEdit:        "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
	CmdDel:         "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdFlush:       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdList:        " 11xxxxxxxxx11       xxxxxxx xxxxx",
	CmdAddDest:     "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
	CmdDelDest:     "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdEditDest:    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
	CmdTimeout:     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdStartDaemon: "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
	CmdStopDaemon:  "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
	CmdRestore:     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdSave:        " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	CmdZero:        "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
}

// Tunnel types against the options tun-port, tun-nocsum, tun-csum,
// tun-remcsum.
var tunnelOptions = [...]string{
	ipvsctl.TunIPIP: "xxxx",
	ipvsctl.TunGUE:  "+111",
	ipvsctl.TunGRE:  "x11x",
}

var tunnelOptIndex = [4]Option{OptTunPort, OptTunNoCsum, OptTunCsum, OptTunRemCsum}

// tunnelOpts are the options that only a tunnel destination takes.
var tunnelOpts = optionSet(OptTunType, OptTunPort, OptTunNoCsum, OptTunCsum, OptTunRemCsum)

var tunNames = [...]string{ipvsctl.TunIPIP: "ipip", ipvsctl.TunGUE: "gue", ipvsctl.TunGRE: "gre"}
