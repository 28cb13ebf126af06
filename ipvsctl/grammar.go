package ipvsctl

// ipvsadm's commands, options and their legal combinations, as data.

// Commands (ipvsadm's CMD_*), numbered as ipvsadm numbers them.
const (
	CmdNone = iota
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

// Option indices (ipvsadm's OPTC_*); bit i of Command.Options is option i.
const (
	OptNumeric = iota
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
)

var optNames = [numOpts]string{
	"numeric", "connection", "service-address", "scheduler", "persistent",
	"netmask", "real-server", "forwarding-method", "weight", "u-threshold",
	"l-threshold", "mcast-interface", "timeout", "daemon", "stats", "rate",
	"thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
	"sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen",
	"tun-info", "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum",
}

// commandOptions says, per command, for each option (in OPTC order):
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
	TunIPIP: "xxxx",
	TunGUE:  "+111",
	TunGRE:  "x11x",
}

var tunnelOptIndex = [4]int{OptTunPort, OptTunNoCsum, OptTunCsum, OptTunRemCsum}

var tunNames = [...]string{TunIPIP: "ipip", TunGUE: "gue", TunGRE: "gre"}

// Tags for options without a short letter (ipvsadm's TAG_*).
const (
	tagSet = 128 + iota
	tagStartDaemon
	tagStopDaemon
	tagMcastInterface
	tagTimeout
	tagDaemon
	tagStats
	tagRate
	tagThresholds
	tagPersistentConn
	tagSort
	tagNoSort
	tagPE
	tagSCTPService
	tagMcastGroup
	tagMcastPort
	tagMcastTTL
	tagSyncMaxLen
	tagTunInfo
	tagTunType
	tagTunPort
	tagTunNoCsum
	tagTunCsum
	tagTunRemCsum
	tagSyncID
)

var ipvsadmOptions = []optSpec{
	{"add-service", 'A', argNone, 'A'},
	{"edit-service", 'E', argNone, 'E'},
	{"delete-service", 'D', argNone, 'D'},
	{"clear", 'C', argNone, 'C'},
	{"list", 'L', argNone, 'L'},
	{"list", 'l', argNone, 'l'},
	{"zero", 'Z', argNone, 'Z'},
	{"add-server", 'a', argNone, 'a'},
	{"edit-server", 'e', argNone, 'e'},
	{"delete-server", 'd', argNone, 'd'},
	{"set", 0, argNone, tagSet},
	{"help", 'h', argNone, 'h'},
	{"version", 'v', argNone, 'v'},
	{"restore", 'R', argNone, 'R'},
	{"save", 'S', argNone, 'S'},
	{"start-daemon", 0, argRequired, tagStartDaemon},
	{"stop-daemon", 0, argRequired, tagStopDaemon},
	{"tcp-service", 't', argRequired, 't'},
	{"udp-service", 'u', argRequired, 'u'},
	{"sctp-service", 0, argRequired, tagSCTPService},
	{"fwmark-service", 'f', argRequired, 'f'},
	{"scheduler", 's', argRequired, 's'},
	{"persistent", 'p', argOptional, 'p'},
	{"netmask", 'M', argRequired, 'M'},
	{"real-server", 'r', argRequired, 'r'},
	{"masquerading", 'm', argNone, 'm'},
	{"ipip", 'i', argNone, 'i'},
	{"gatewaying", 'g', argNone, 'g'},
	{"weight", 'w', argRequired, 'w'},
	{"u-threshold", 'x', argRequired, 'x'},
	{"l-threshold", 'y', argRequired, 'y'},
	{"numeric", 'n', argNone, 'n'},
	{"connection", 'c', argNone, 'c'},
	{"mcast-interface", 0, argRequired, tagMcastInterface},
	{"syncid", 0, argRequired, tagSyncID},
	{"timeout", 0, argNone, tagTimeout},
	{"daemon", 0, argNone, tagDaemon},
	{"stats", 0, argNone, tagStats},
	{"rate", 0, argNone, tagRate},
	{"thresholds", 0, argNone, tagThresholds},
	{"persistent-conn", 0, argNone, tagPersistentConn},
	{"nosort", 0, argNone, tagNoSort},
	{"sort", 0, argNone, tagSort},
	{"exact", 'X', argNone, 'X'},
	{"ipv6", '6', argNone, '6'},
	{"ops", 'o', argNone, 'o'},
	{"pe", 0, argRequired, tagPE},
	{"sched-flags", 'b', argRequired, 'b'},
	{"mcast-group", 0, argRequired, tagMcastGroup},
	{"mcast-port", 0, argRequired, tagMcastPort},
	{"mcast-ttl", 0, argRequired, tagMcastTTL},
	{"sync-maxlen", 0, argRequired, tagSyncMaxLen},
	{"tun-info", 0, argNone, tagTunInfo},
	{"tun-type", 0, argRequired, tagTunType},
	{"tun-port", 0, argRequired, tagTunPort},
	{"tun-nocsum", 0, argNone, tagTunNoCsum},
	{"tun-csum", 0, argNone, tagTunCsum},
	{"tun-remcsum", 0, argNone, tagTunRemCsum},
}

// Output format flags (ipvsadm's FMT_*).
const (
	FmtNumeric uint = 1 << iota
	FmtRule
	FmtStats
	FmtRate
	FmtThresholds
	FmtPersistentConn
	FmtNoSort
	FmtExact
	FmtTunInfo
)
