package ipvsadm

import (
	"math"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// ipvsadm's popt table as two tables: the command words, one of which
// starts every command line, and the options after it. A row says how
// the scanner finds the word, and what it does to the Command.

// command is a command word: the command it starts, and what it does with
// its argument, if anything.
type command struct {
	optSpec
	cmd Cmd
	// start reads the word's argument (--start-daemon master) or ends the
	// command line (-h, -v); nil for a word that only names its command.
	start func(c *Command, prog string, arg *string) error
}

var commandTable = [...]command{
	{optSpec{"add-service", 'A', argNone}, CmdAdd, nil},
	{optSpec{"edit-service", 'E', argNone}, CmdEdit, nil},
	{optSpec{"delete-service", 'D', argNone}, CmdDel, nil},
	{optSpec{"clear", 'C', argNone}, CmdFlush, nil},
	{optSpec{"list", 'L', argNone}, CmdList, nil},
	{optSpec{"list", 'l', argNone}, CmdList, nil},
	{optSpec{"zero", 'Z', argNone}, CmdZero, nil},
	{optSpec{"add-server", 'a', argNone}, CmdAddDest, nil},
	{optSpec{"edit-server", 'e', argNone}, CmdEditDest, nil},
	{optSpec{"delete-server", 'd', argNone}, CmdDelDest, nil},
	{optSpec{"set", 0, argNone}, CmdTimeout, nil},
	{optSpec{"help", 'h', argNone}, CmdNone, func(_ *Command, prog string, _ *string) error {
		return &ExitError{Code: 0, Msg: Usage(prog), ToStdout: true}
	}},
	{optSpec{"version", 'v', argNone}, CmdNone, func(*Command, string, *string) error {
		return &ExitError{Code: 0, Msg: VersionLine, ToStdout: true}
	}},
	{optSpec{"restore", 'R', argNone}, CmdRestore, nil},
	{optSpec{"save", 'S', argNone}, CmdSave, nil},
	{optSpec{"start-daemon", 0, argRequired}, CmdStartDaemon, daemonState("illegal start-daemon parameter specified")},
	{optSpec{"stop-daemon", 0, argRequired}, CmdStopDaemon, daemonState("illegal start_daemon specified")},
}

// option is an option after the command word: the bit it sets in
// Command.Options (set twice is an error) and what it does with its
// argument.
type option struct {
	optSpec
	bit Option // noBit for the few that set none
	set setter // nil when the bit is all the option does
}

// setter applies an option's argument (nil when an optional one is
// absent) to the command.
type setter func(c *Command, arg *string, res Resolver) error

var optionTable = [...]option{
	{optSpec{"tcp-service", 't', argRequired}, OptService, virtualService(ipvsctl.ProtoTCP)},
	{optSpec{"udp-service", 'u', argRequired}, OptService, virtualService(ipvsctl.ProtoUDP)},
	{optSpec{"sctp-service", 0, argRequired}, OptService, virtualService(ipvsctl.ProtoSCTP)},
	{optSpec{"fwmark-service", 'f', argRequired}, OptService, fwmarkService},
	{optSpec{"scheduler", 's', argRequired}, OptScheduler, text(15, func(c *Command, s string) { c.Svc.Scheduler = s })},
	{optSpec{"persistent", 'p', argOptional}, OptPersistent, persistent},
	{optSpec{"netmask", 'M', argRequired}, OptNetmask, persistenceNetmask},
	{optSpec{"real-server", 'r', argRequired}, OptServer, realServer},
	{optSpec{"masquerading", 'm', argNone}, OptForward, forward(ipvsctl.FwdMasq)},
	{optSpec{"ipip", 'i', argNone}, OptForward, forward(ipvsctl.FwdTunnel)},
	{optSpec{"gatewaying", 'g', argNone}, OptForward, forward(ipvsctl.FwdRoute)},
	{optSpec{"weight", 'w', argRequired}, OptWeight, number(0, math.MaxInt32, "illegal weight specified",
		func(c *Command, v int64) { c.Dest.Weight = int32(v) })},
	{optSpec{"u-threshold", 'x', argRequired}, OptUThreshold, number(0, math.MaxInt32, "illegal u_threshold specified",
		func(c *Command, v int64) { c.Dest.UpperThreshold = uint32(v) })},
	{optSpec{"l-threshold", 'y', argRequired}, OptLThreshold, number(0, math.MaxInt32, "illegal l_threshold specified",
		func(c *Command, v int64) { c.Dest.LowerThreshold = uint32(v) })},
	{optSpec{"numeric", 'n', argNone}, OptNumeric, format(FmtNumeric)},
	{optSpec{"connection", 'c', argNone}, OptConnection, nil},
	{optSpec{"mcast-interface", 0, argRequired}, OptMcast, text(15, func(c *Command, s string) { c.Daemon.McastIfn = s })},
	{optSpec{"syncid", 0, argRequired}, OptSyncID, number(0, 255, "illegal syncid specified",
		func(c *Command, v int64) { c.Daemon.SyncID = uint32(v) })},
	{optSpec{"timeout", 0, argNone}, OptTimeout, nil},
	{optSpec{"daemon", 0, argNone}, OptDaemon, nil},
	{optSpec{"stats", 0, argNone}, OptStats, format(FmtStats)},
	{optSpec{"rate", 0, argNone}, OptRate, format(FmtRate)},
	{optSpec{"thresholds", 0, argNone}, OptThresholds, format(FmtThresholds)},
	{optSpec{"persistent-conn", 0, argNone}, OptPersistentConn, format(FmtPersistentConn)},
	{optSpec{"nosort", 0, argNone}, OptNoSort, format(FmtNoSort)},
	{optSpec{"sort", 0, argNone}, noBit, nil}, // the default; kept for compatibility
	{optSpec{"exact", 'X', argNone}, OptExact, format(FmtExact)},
	{optSpec{"ipv6", '6', argNone}, noBit, fwmarkIPv6},
	{optSpec{"ops", 'o', argNone}, OptOnePacket, func(c *Command, _ *string, _ Resolver) error {
		c.Svc.Flags |= ipvsctl.SvcFlagOnePacket
		return nil
	}},
	{optSpec{"pe", 0, argRequired}, OptPE, text(15, func(c *Command, s string) { c.Svc.PEName = s })},
	// read when the whole line is, against the final scheduler
	{optSpec{"sched-flags", 'b', argRequired}, OptSchedFlags, func(c *Command, arg *string, _ Resolver) error {
		c.schedFlags = arg
		return nil
	}},
	{optSpec{"mcast-group", 0, argRequired}, OptMcastGroup, mcastGroup},
	{optSpec{"mcast-port", 0, argRequired}, OptMcastPort, number(1, 65535, "illegal mcast-port specified",
		func(c *Command, v int64) { c.Daemon.McastPort = uint16(v) })},
	{optSpec{"mcast-ttl", 0, argRequired}, OptMcastTTL, number(1, 255, "illegal mcast-ttl specified",
		func(c *Command, v int64) { c.Daemon.McastTTL = uint8(v) })},
	// 65535 less the IP and UDP headers
	{optSpec{"sync-maxlen", 0, argRequired}, OptSyncMaxLen, number(1, 65535-20-8, "illegal sync-maxlen specified",
		func(c *Command, v int64) { c.Daemon.SyncMaxLen = uint16(v) })},
	{optSpec{"tun-info", 0, argNone}, OptTunInfo, format(FmtTunInfo)},
	{optSpec{"tun-type", 0, argRequired}, OptTunType, tunnelType},
	{optSpec{"tun-port", 0, argRequired}, OptTunPort, number(1, 65535, "illegal tunnel port specified",
		func(c *Command, v int64) { c.Dest.TunPort = uint16(v) })},
	{optSpec{"tun-nocsum", 0, argNone}, OptTunNoCsum, nil},
	{optSpec{"tun-csum", 0, argNone}, OptTunCsum, tunnelFlag(ipvsctl.TunFlagCsum)},
	{optSpec{"tun-remcsum", 0, argNone}, OptTunRemCsum, tunnelFlag(ipvsctl.TunFlagRemCsum)},
}

// number is an option whose argument is a decimal in [lo, hi], as
// ipvsadm's string_to_number reads it; any other argument fails with msg.
func number(lo, hi int64, msg string, store func(c *Command, v int64)) setter {
	return func(c *Command, arg *string, _ Resolver) error {
		v := stringToNumber(*arg, lo, hi)
		if v == -1 {
			return fail("%s", msg)
		}
		store(c, v)
		return nil
	}
}

// text is an option whose argument is a name, cut to the n bytes of
// ipvsadm's buffer for it.
func text(n int, store func(c *Command, s string)) setter {
	return func(c *Command, arg *string, _ Resolver) error {
		store(c, truncate(*arg, n))
		return nil
	}
}

// format is a listing option: it adds f to the output format.
func format(f Format) setter {
	return func(c *Command, _ *string, _ Resolver) error {
		c.Format |= f
		return nil
	}
}

func forward(method uint32) setter {
	return func(c *Command, _ *string, _ Resolver) error {
		c.Dest.FwdMethod = method
		return nil
	}
}

func tunnelFlag(f uint16) setter {
	return func(c *Command, _ *string, _ Resolver) error {
		c.Dest.TunFlags |= f
		return nil
	}
}

func virtualService(proto ipvsctl.Protocol) setter {
	return func(c *Command, arg *string, res Resolver) error {
		c.Svc.Protocol = proto
		if r := parseService(*arg, &c.Svc, res); r&serviceAddr == 0 {
			return fail("illegal virtual server address[:port] specified")
		}
		return nil
	}
}

func fwmarkService(c *Command, arg *string, _ Resolver) error {
	c.Svc.Family = ipvsctl.AFInet
	c.Svc.Protocol = ipvsctl.ProtoTCP
	m, err := parseFwmark(*arg)
	if err != nil {
		return err
	}
	c.Svc.FWMark = m
	return nil
}

// fwmarkIPv6 is -6, which only an fwmark service before it can take: the
// family of an address service is its address's.
func fwmarkIPv6(c *Command, _ *string, _ Resolver) error {
	if c.Svc.FWMark == 0 {
		return fail("-6 used before -f\n")
	}
	c.Svc.Family = ipvsctl.AFInet6
	c.Svc.Netmask = ipvsctl.HostNetmask(ipvsctl.AFInet6)
	return nil
}

// persistent is -p with its optional timeout (360 seconds without).
func persistent(c *Command, arg *string, _ Resolver) error {
	c.Svc.Flags |= ipvsctl.SvcFlagPersistent
	t, err := parseTimeout(arg, 1, maxTimeout)
	if err != nil {
		return err
	}
	c.Svc.Timeout = t
	return nil
}

// persistenceNetmask is -M: a mask for IPv4 (in any form inet_aton reads, or
// a host name), a prefix length for IPv6, by the family given so far.
func persistenceNetmask(c *Command, arg *string, res Resolver) error {
	if c.Svc.Family != ipvsctl.AFInet6 {
		m, ok := parseNetmask(*arg, res)
		if !ok {
			return fail("illegal virtual server persistent mask specified")
		}
		c.Svc.Netmask = m
		return nil
	}
	n := atoi(*arg)
	if n < 1 || n > 128 {
		return fail("illegal ipv6 netmask specified")
	}
	c.Svc.Netmask = uint32(n)
	return nil
}

// realServer is -r: without a port, the real server takes the service's
// as given so far.
func realServer(c *Command, arg *string, res Resolver) error {
	t := c.Svc
	r := parseService(*arg, &t, res)
	c.Dest.Family = t.Family
	c.Dest.Address = t.Address
	c.Dest.Port = t.Port
	if r&serviceAddr == 0 {
		return fail("illegal real server address[:port] specified")
	}
	if r == serviceAddr {
		c.Dest.Port = c.Svc.Port
	}
	return nil
}

func mcastGroup(c *Command, arg *string, _ Resolver) error {
	g, err := parseMcastGroup(*arg)
	if err != nil {
		return err
	}
	c.Daemon.McastGroup = g
	return nil
}

func tunnelType(c *Command, arg *string, _ Resolver) error {
	t := -1
	for i, n := range tunNames {
		if n == *arg {
			t = i
		}
	}
	if t < 0 {
		return fail("illegal tunnel type specified")
	}
	c.Dest.TunType = uint8(t)
	return nil
}

// daemonState is the sync daemon's state, the argument of
// --start-daemon and --stop-daemon; msg is each one's own message.
func daemonState(msg string) func(c *Command, _ string, arg *string) error {
	return func(c *Command, _ string, arg *string) error {
		switch *arg {
		case "master":
			c.Daemon.State = ipvsctl.DaemonMaster
		case "backup":
			c.Daemon.State = ipvsctl.DaemonBackup
		default:
			return fail("%s", msg)
		}
		return nil
	}
}

// grammar is the scanner's table and what its rows mean: the command
// words first, then the options, extensions last.
type grammar struct {
	specs    []optSpec
	commands []command
	options  []option
	ext      int // index of the first extension in specs
}

func newGrammar(options []option, ext []option) *grammar {
	g := &grammar{commands: commandTable[:], options: append(options[:len(options):len(options)], ext...)}
	for i := range g.commands {
		g.specs = append(g.specs, g.commands[i].optSpec)
	}
	for i := range g.options {
		g.specs = append(g.specs, g.options[i].optSpec)
	}
	g.ext = len(g.specs) - len(ext)
	return g
}

// ipvsadm 1.31's grammar, and lvsctl's with its extensions (ext.go).
var (
	ipvsadmGrammar = newGrammar(optionTable[:], nil)
	lvsctlGrammar  = newGrammar(optionTable[:], extOptionTable[:])
)

// command is the command word at index i of the specs, if it is one.
func (g *grammar) command(i int) (*command, bool) {
	if i < len(g.commands) {
		return &g.commands[i], true
	}
	return nil, false
}

// option is the option at index i of the specs, if it is one.
func (g *grammar) option(i int) (*option, bool) {
	if i < len(g.commands) {
		return nil, false
	}
	return &g.options[i-len(g.commands)], true
}

// extension reports whether index i is one of lvsctl's options, which
// may also come before the command word.
func (g *grammar) extension(i int) bool { return i >= g.ext }
