package ipvsctl

import (
	"fmt"
	"net/netip"
	"strings"
)

// ExitError ends an ipvsadm invocation the way ipvsadm's fail(),
// tryhelp_exit() and usage_exit() do: the whole process stops (inside -R
// too) with Code after Msg is written to stderr, or stdout for -h/-v.
type ExitError struct {
	Code     int
	Msg      string
	ToStdout bool
}

func (e *ExitError) Error() string { return strings.TrimSuffix(e.Msg, "\n") }

// ReturnError is a failed command that does not stop ipvsadm: popt errors
// after the command and kernel refusals. Msg is already ipvsadm's text.
type ReturnError struct {
	Msg string
	Err error // the kernel error, if any
}

func (e *ReturnError) Error() string { return strings.TrimSuffix(e.Msg, "\n") }

// Unwrap exposes the kernel error.
func (e *ReturnError) Unwrap() error { return e.Err }

func fail(format string, a ...any) error {
	return &ExitError{Code: 2, Msg: fmt.Sprintf(format, a...) + "\n"}
}

func tryHelp(prog string) error {
	return &ExitError{Code: 255, Msg: fmt.Sprintf("Try `%s -h' or '%s --help' for more information.\n", prog, prog)}
}

// Command is one parsed ipvsadm command line.
type Command struct {
	Cmd      int
	Options  uint64
	Format   uint
	Svc      Service
	Dest     Destination
	Timeouts Timeouts
	Daemon   Daemon

	// lvsctl's extensions (ext.go); always false for the ipvsadm grammar.
	JSON   bool
	Atomic bool
	ext    bool
}

// Has reports whether option i was given.
func (c *Command) Has(i int) bool { return c.Options&(1<<uint(i)) != 0 }

func (c *Command) setOption(i int) error {
	if c.Has(i) {
		return fail("multiple '%s' options specified", optNames[i])
	}
	c.Options |= 1 << uint(i)
	return nil
}

const maxTimeout = 86400 * 31

// Parse reads one ipvsadm command line (args without argv[0]) as ipvsadm
// 1.31 does, including its validations; errors are *ExitError or
// *ReturnError carrying ipvsadm's text and status.
func Parse(prog string, args []string, res Resolver) (*Command, error) {
	return parseGrammar(prog, args, res, false)
}

func parseGrammar(prog string, args []string, res Resolver, ext bool) (*Command, error) {
	c := &Command{ext: ext}
	c.Dest.Weight = 1
	c.Dest.FwdMethod = FwdRoute
	c.Svc.Netmask = 0xffffffff
	if err := c.parseOptions(prog, args, res); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := c.extCheck(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Command) parseOptions(prog string, args []string, res Resolver) error {
	p := newPoptScanner(c.optionSpecs(), args)
	tag, arg, ok, perr := p.nextOpt()
	for ok && perr == nil && c.extOption(tag) { // lvsctl --json -L
		tag, arg, ok, perr = p.nextOpt()
	}
	if !ok || perr != nil {
		return tryHelp(prog)
	}
	switch tag {
	case 'A':
		c.Cmd = CmdAdd
	case 'E':
		c.Cmd = CmdEdit
	case 'D':
		c.Cmd = CmdDel
	case 'a':
		c.Cmd = CmdAddDest
	case 'e':
		c.Cmd = CmdEditDest
	case 'd':
		c.Cmd = CmdDelDest
	case 'C':
		c.Cmd = CmdFlush
	case 'L', 'l':
		c.Cmd = CmdList
	case 'Z':
		c.Cmd = CmdZero
	case tagSet:
		c.Cmd = CmdTimeout
	case 'R':
		c.Cmd = CmdRestore
	case 'S':
		c.Cmd = CmdSave
	case tagStartDaemon, tagStopDaemon:
		c.Cmd = CmdStartDaemon
		if tag == tagStopDaemon {
			c.Cmd = CmdStopDaemon
		}
		switch *arg {
		case "master":
			c.Daemon.State = DaemonMaster
		case "backup":
			c.Daemon.State = DaemonBackup
		default:
			if tag == tagStartDaemon {
				return fail("illegal start-daemon parameter specified")
			}
			return fail("illegal start_daemon specified")
		}
	case 'h':
		return &ExitError{Code: 0, Msg: Usage(prog), ToStdout: true}
	case 'v':
		return &ExitError{Code: 0, Msg: VersionLine, ToStdout: true}
	default:
		return tryHelp(prog)
	}

	schedFlags := ""
	for {
		tag, arg, ok, perr = p.nextOpt()
		if perr != nil {
			return &ReturnError{Msg: perr.word + ": " + perr.msg + "\n"}
		}
		if !ok {
			break
		}
		if err := c.option(p, tag, arg, res, &schedFlags); err != nil {
			return err
		}
	}

	if c.Cmd == CmdTimeout {
		a, ok1 := p.leftover()
		b, ok2 := p.leftover()
		d, ok3 := p.leftover()
		if !(ok1 && ok2 && ok3) {
			return fail("--set option requires 3 timeout values")
		}
		var err error
		if c.Timeouts.TCP, err = parseTimeout(&a, 0, maxTimeout); err != nil {
			return err
		}
		if c.Timeouts.TCPFin, err = parseTimeout(&b, 0, maxTimeout); err != nil {
			return err
		}
		if c.Timeouts.UDP, err = parseTimeout(&d, 0, maxTimeout); err != nil {
			return err
		}
	}
	if w, ok := p.leftover(); ok {
		return fail("unexpected argument %s", w)
	}
	if schedFlags != "" {
		c.Svc.Flags &^= SvcFlagSchedFlag1 | SvcFlagSchedFlag2 | SvcFlagSchedFlag3
		f, err := parseSchedFlags(c.Svc.Scheduler, schedFlags)
		if err != nil {
			return err
		}
		c.Svc.Flags |= f
	}
	return nil
}

func (c *Command) option(p *poptScanner, tag int, arg *string, res Resolver, schedFlags *string) error {
	set := c.setOption
	if c.extOption(tag) {
		return nil
	}
	switch tag {
	case 't', 'u', tagSCTPService:
		if err := set(OptService); err != nil {
			return err
		}
		c.Svc.Protocol = map[int]uint16{'t': ProtoTCP, 'u': ProtoUDP, tagSCTPService: ProtoSCTP}[tag]
		if r := parseService(*arg, &c.Svc, res); r&serviceAddr == 0 {
			return fail("illegal virtual server address[:port] specified")
		}
	case 'f':
		if err := set(OptService); err != nil {
			return err
		}
		c.Svc.Family = AFInet
		c.Svc.Protocol = ProtoTCP
		m, err := parseFwmark(*arg)
		if err != nil {
			return err
		}
		c.Svc.FWMark = m
	case 's':
		if err := set(OptScheduler); err != nil {
			return err
		}
		c.Svc.Scheduler = truncate(*arg, 15)
	case 'p':
		if err := set(OptPersistent); err != nil {
			return err
		}
		c.Svc.Flags |= SvcFlagPersistent
		t, err := parseTimeout(arg, 1, maxTimeout)
		if err != nil {
			return err
		}
		c.Svc.Timeout = t
	case 'M':
		if err := set(OptNetmask); err != nil {
			return err
		}
		if c.Svc.Family != AFInet6 {
			m, ok := parseNetmask(*arg, res)
			if !ok {
				return fail("illegal virtual server persistent mask specified")
			}
			c.Svc.Netmask = m
		} else {
			n := atoi(*arg)
			if n < 1 || n > 128 {
				return fail("illegal ipv6 netmask specified")
			}
			c.Svc.Netmask = uint32(n)
		}
	case 'r':
		if err := set(OptServer); err != nil {
			return err
		}
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
	case 'i', 'g', 'm':
		if err := set(OptForward); err != nil {
			return err
		}
		c.Dest.FwdMethod = map[int]uint32{'i': FwdTunnel, 'g': FwdRoute, 'm': FwdMasq}[tag]
	case 'w':
		if err := set(OptWeight); err != nil {
			return err
		}
		w := stringToNumber(*arg, 0, 2147483647)
		if w == -1 {
			return fail("illegal weight specified")
		}
		c.Dest.Weight = int32(w)
	case 'x':
		if err := set(OptUThreshold); err != nil {
			return err
		}
		v := stringToNumber(*arg, 0, 2147483647)
		if v == -1 {
			return fail("illegal u_threshold specified")
		}
		c.Dest.UpperThreshold = uint32(v)
	case 'y':
		if err := set(OptLThreshold); err != nil {
			return err
		}
		v := stringToNumber(*arg, 0, 2147483647)
		if v == -1 {
			return fail("illegal l_threshold specified")
		}
		c.Dest.LowerThreshold = uint32(v)
	case 'c':
		return set(OptConnection)
	case 'n':
		c.Format |= FmtNumeric
		return set(OptNumeric)
	case tagMcastInterface:
		if err := set(OptMcast); err != nil {
			return err
		}
		c.Daemon.McastIfn = truncate(*arg, 15)
	case tagSyncID:
		if err := set(OptSyncID); err != nil {
			return err
		}
		v := stringToNumber(*arg, 0, 255)
		if v == -1 {
			return fail("illegal syncid specified")
		}
		c.Daemon.SyncID = uint32(v)
	case tagTimeout:
		return set(OptTimeout)
	case tagDaemon:
		return set(OptDaemon)
	case tagStats:
		c.Format |= FmtStats
		return set(OptStats)
	case tagRate:
		c.Format |= FmtRate
		return set(OptRate)
	case tagThresholds:
		c.Format |= FmtThresholds
		return set(OptThresholds)
	case tagPersistentConn:
		c.Format |= FmtPersistentConn
		return set(OptPersistentConn)
	case tagNoSort:
		c.Format |= FmtNoSort
		return set(OptNoSort)
	case tagSort:
		// the default; a no-op kept for compatibility
	case 'X':
		c.Format |= FmtExact
		return set(OptExact)
	case '6':
		if c.Svc.FWMark == 0 {
			return fail("-6 used before -f\n")
		}
		c.Svc.Family = AFInet6
		c.Svc.Netmask = 128
	case 'o':
		c.Svc.Flags |= SvcFlagOnePacket
		return set(OptOnePacket)
	case tagPE:
		if err := set(OptPE); err != nil {
			return err
		}
		c.Svc.PEName = truncate(*arg, 15)
	case 'b':
		if err := set(OptSchedFlags); err != nil {
			return err
		}
		*schedFlags = truncate(*arg, 127)
	case tagMcastGroup:
		if err := set(OptMcastGroup); err != nil {
			return err
		}
		g, err := parseMcastGroup(*arg)
		if err != nil {
			return err
		}
		c.Daemon.McastGroup = g
	case tagMcastPort:
		if err := set(OptMcastPort); err != nil {
			return err
		}
		v := stringToNumber(*arg, 1, 65535)
		if v == -1 {
			return fail("illegal mcast-port specified")
		}
		c.Daemon.McastPort = uint16(v)
	case tagMcastTTL:
		if err := set(OptMcastTTL); err != nil {
			return err
		}
		v := stringToNumber(*arg, 1, 255)
		if v == -1 {
			return fail("illegal mcast-ttl specified")
		}
		c.Daemon.McastTTL = uint8(v)
	case tagSyncMaxLen:
		if err := set(OptSyncMaxLen); err != nil {
			return err
		}
		v := stringToNumber(*arg, 1, 65535-20-8)
		if v == -1 {
			return fail("illegal sync-maxlen specified")
		}
		c.Daemon.SyncMaxLen = uint16(v)
	case tagTunInfo:
		c.Format |= FmtTunInfo
		return set(OptTunInfo)
	case tagTunType:
		if err := set(OptTunType); err != nil {
			return err
		}
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
	case tagTunPort:
		if err := set(OptTunPort); err != nil {
			return err
		}
		v := stringToNumber(*arg, 1, 65535)
		if v == -1 {
			return fail("illegal tunnel port specified")
		}
		c.Dest.TunPort = uint16(v)
	case tagTunNoCsum:
		return set(OptTunNoCsum)
	case tagTunCsum:
		c.Dest.TunFlags |= TunFlagCsum
		return set(OptTunCsum)
	case tagTunRemCsum:
		c.Dest.TunFlags |= TunFlagRemCsum
		return set(OptTunRemCsum)
	default:
		// a second command
		return fail("invalid option `%s'", p.current())
	}
	return nil
}

// check is the part of ipvsadm's process_options that runs before the
// command: the option matrix, then per-command rules.
func (c *Command) check() error {
	if err := genericOptCheck(c.Cmd, c.Options); err != nil {
		return err
	}
	if c.Cmd == CmdAdd || c.Cmd == CmdEdit {
		if c.Svc.FWMark == 0 && c.Svc.Port == 0 && c.Svc.Flags&SvcFlagPersistent == 0 {
			return fail("Zero port specified for non-persistent service")
		}
		if c.Svc.Flags&SvcFlagOnePacket != 0 && c.Svc.FWMark == 0 && c.Svc.Protocol != ProtoUDP {
			return fail("One-Packet Scheduling is only for UDP virtual services")
		}
		if c.Svc.Scheduler == "" {
			c.Svc.Scheduler = "wlc"
		}
	}
	if c.Cmd == CmdStartDaemon && c.Daemon.McastIfn == "" {
		c.Daemon.McastIfn = "eth0"
	}
	fwd := c.Dest.FwdMethod & FwdMask
	if c.Cmd == CmdAddDest || c.Cmd == CmdEditDest {
		if c.Svc.FWMark == 0 && (fwd == FwdTunnel || fwd == FwdRoute) {
			c.Dest.Port = c.Svc.Port
		}
		if c.Dest.Family != c.Svc.Family && fwd != FwdTunnel {
			return fail("Different address family is allowed only for tunneling servers")
		}
		tunOpts := uint64(1)<<OptTunType | 1<<OptTunPort | 1<<OptTunNoCsum | 1<<OptTunCsum | 1<<OptTunRemCsum
		if c.Options&tunOpts != 0 && fwd != FwdTunnel {
			return fail("Tunnel options conflict with forward method")
		}
		if err := tunnelOptCheck(int(c.Dest.TunType), c.Options); err != nil {
			return err
		}
	}
	return nil
}

func genericOptCheck(cmd int, options uint64) error {
	row := commandOptions[cmd]
	last, count := 0, 0
	for j := 0; j < numOpts; j++ {
		if options&(1<<uint(j)) == 0 {
			if row[j] == '+' {
				return fail("You need to supply the '%s' option for the '%s' command", optNames[j], cmdNames[cmd])
			}
			continue
		}
		switch row[j] {
		case 'x':
			return fail("Illegal '%s' option with the '%s' command", optNames[j], cmdNames[cmd])
		case '1':
			count++
			if count == 1 {
				last = j
				continue
			}
			return fail("The option '%s' conflicts with the '%s' option in the '%s' command", optNames[j], optNames[last], cmdNames[cmd])
		}
	}
	return nil
}

func tunnelOptCheck(tunType int, options uint64) error {
	row := tunnelOptions[tunType]
	last, count := 0, 0
	for j, k := range tunnelOptIndex {
		if options&(1<<uint(k)) == 0 {
			if row[j] == '+' {
				return fail("You need to supply the '%s' option for the '%s' tunnel type", optNames[k], tunNames[tunType])
			}
			continue
		}
		switch row[j] {
		case 'x':
			return fail("Illegal '%s' option with the '%s' tunnel type", optNames[k], tunNames[tunType])
		case '1':
			count++
			if count == 1 {
				last = k
				continue
			}
			return fail("The option '%s' conflicts with the '%s' option in the '%s' tunnel type", optNames[k], optNames[last], tunNames[tunType])
		}
	}
	return nil
}

func parseTimeout(s *string, lo, hi int64) (uint32, error) {
	if s == nil {
		return 360, nil // IPVS_SVC_PERSISTENT_TIMEOUT
	}
	v := stringToNumber(*s, lo, hi)
	if v == -1 {
		return 0, fail("invalid timeout value `%s' specified", *s)
	}
	return uint32(v), nil
}

func parseFwmark(s string) (uint32, error) {
	v, ok := strtol10(s)
	if !ok || v <= 0 || v > 0xffffffff {
		return 0, fail("invalid fwmark value `%s' specified", s)
	}
	return uint32(v), nil
}

func parseNetmask(s string, res Resolver) (uint32, bool) {
	if v, ok := inetAton(s); ok {
		return v, true
	}
	if a, ok := res.HostToAddr(s); ok {
		v := a.As4()
		return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), true
	}
	return 0, false
}

const (
	serviceAddr = 1
	servicePort = 2
)

// parseService is ipvsadm's parse_service: host[:port] or [v6]:port into
// svc, returning which parts were set.
func parseService(buf string, svc *Service, res Resolver) int {
	if isAllDigits(buf) {
		return 0
	}
	var port *string
	host := buf
	if strings.HasPrefix(buf, "[") {
		inner, rest, ok := strings.Cut(buf[1:], "]")
		if !ok || !strings.HasPrefix(rest, ":") {
			return 0
		}
		host = inner
		p := rest[1:]
		port = &p
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && a.Zone() == "" {
		svc.Address = a
		svc.Family = AFInet6
		svc.Netmask = 128
	} else {
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			p := host[i+1:]
			port = &p
			host = host[:i]
		} else if strings.HasPrefix(buf, "[") {
			port = nil // "[10.0.0.1]:80": the port was cut off with the bracket
		}
		if v, ok := inetAton(host); ok {
			svc.Address = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			svc.Family = AFInet
		} else if a, ok := res.HostToAddr(host); ok {
			svc.Address = a
			svc.Family = AFInet
		} else {
			return 0
		}
	}
	result := serviceAddr
	if port != nil {
		result |= servicePort
		if n := stringToNumber(*port, 0, 65535); n != -1 {
			svc.Port = uint16(n)
		} else if n, ok := res.ServiceToPort(*port, svc.Protocol); ok {
			svc.Port = n
		} else {
			return 0
		}
	}
	return result
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseSchedFlags(sched, arg string) (uint32, error) {
	if sched == "" {
		sched = "wlc"
	}
	var flags uint32
	for _, f := range strings.Split(arg, ",") {
		if f == "" {
			continue // strtok skips empty tokens
		}
		switch f {
		case "flag-1":
			flags |= SvcFlagSchedFlag1
		case "flag-2":
			flags |= SvcFlagSchedFlag2
		case "flag-3":
			flags |= SvcFlagSchedFlag3
		case "sh-fallback", "sh-port", "mh-fallback", "mh-port":
			if f[:2] != sched {
				return 0, fail("incompatible scheduler flag `%s'", f)
			}
			if strings.HasSuffix(f, "fallback") {
				flags |= SvcFlagSchedFlag1
			} else {
				flags |= SvcFlagSchedFlag2
			}
		default:
			return 0, fail("invalid scheduler flag `%s'", f)
		}
	}
	return flags, nil
}

func parseMcastGroup(s string) (netip.Addr, error) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || !a.IsMulticast() {
			return netip.Addr{}, fail("invalid IPv6 mcast-group `%s'", s)
		}
		return a, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() || !a.IsMulticast() {
		return netip.Addr{}, fail("invalid IPv4 mcast-group `%s'", s)
	}
	return a, nil
}

// atoi is C's atoi: leading digits after optional space and sign, else 0.
func atoi(s string) int64 {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	var v int64
	for i := 0; i < len(t) && t[i] >= '0' && t[i] <= '9' && v < 1<<40; i++ {
		v = v*10 + int64(t[i]-'0')
	}
	if neg {
		v = -v
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
