package ipvsadm

import "github.com/lvsctl/lvsctl/ipvsctl"

// Command is one parsed ipvsadm command line.
type Command struct {
	Cmd      Cmd
	Options  Options
	Format   Format
	Svc      ipvsctl.Service
	Dest     ipvsctl.Destination
	Timeouts ipvsctl.Timeouts
	Daemon   ipvsctl.Daemon

	// lvsctl's extensions (ext.go); always false for the ipvsadm grammar.
	JSON   bool
	Atomic bool

	// schedFlags is -b's argument, read once the line has given its
	// scheduler. A pointer (the scanner's own) rather than a string: -R
	// allocates a Command per line, and 8 more bytes would put it in the
	// next allocation size class.
	schedFlags *string
}

// Has reports whether option o was given.
func (c *Command) Has(o Option) bool { return c.Options.Has(o) }

func (c *Command) setOption(o Option) error {
	if c.Has(o) {
		return fail("multiple '%s' options specified", o)
	}
	c.Options |= 1 << uint(o)
	return nil
}

const maxTimeout = 86400 * 31

// Parse reads one ipvsadm command line (args without argv[0]) as ipvsadm
// 1.31 does, including its validations; errors are *ExitError or
// *ReturnError carrying ipvsadm's text and status.
func Parse(prog string, args []string, res Resolver) (*Command, error) {
	return parseGrammar(ipvsadmGrammar, prog, args, res)
}

// ParseExt reads one command line with lvsctl's extensions enabled.
func ParseExt(prog string, args []string, res Resolver) (*Command, error) {
	return parseGrammar(lvsctlGrammar, prog, args, res)
}

func parseGrammar(g *grammar, prog string, args []string, res Resolver) (*Command, error) {
	c := &Command{}
	c.Dest.Weight = 1
	c.Dest.FwdMethod = ipvsctl.FwdRoute
	c.Svc.Netmask = ipvsctl.HostNetmask(ipvsctl.AFInet) // -M's default, until an IPv6 address or -6 says /128
	if err := c.parseOptions(g, prog, args, res); err != nil {
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

// parseOptions scans the line: the command word (after any of lvsctl's
// options, lvsctl --json -L), then options in order, then the leftover
// words only --set takes.
func (c *Command) parseOptions(g *grammar, prog string, args []string, res Resolver) error {
	p := newPoptScanner(g.specs, args)
	i, arg, ok, perr := p.nextOpt()
	for ok && perr == nil && g.extension(i) {
		if err := c.apply(g, i, arg, res); err != nil {
			return err
		}
		i, arg, ok, perr = p.nextOpt()
	}
	if !ok || perr != nil {
		return tryHelp(prog)
	}
	cmd, isCmd := g.command(i)
	if !isCmd {
		return tryHelp(prog)
	}
	c.Cmd = cmd.cmd
	if cmd.start != nil {
		if err := cmd.start(c, prog, arg); err != nil {
			return err
		}
	}
	for {
		i, arg, ok, perr = p.nextOpt()
		if perr != nil {
			return &ReturnError{Msg: perr.word + ": " + perr.msg + "\n"}
		}
		if !ok {
			break
		}
		if _, isCmd := g.command(i); isCmd {
			// a second command
			return fail("invalid option `%s'", p.current())
		}
		if err := c.apply(g, i, arg, res); err != nil {
			return err
		}
	}
	if c.Cmd == CmdTimeout {
		if err := c.setTimeouts(p); err != nil {
			return err
		}
	}
	if w, ok := p.leftover(); ok {
		return fail("unexpected argument %s", w)
	}
	if c.schedFlags != nil && *c.schedFlags != "" {
		text := truncate(*c.schedFlags, 127) // ipvsadm's buffer for it
		c.Svc.Flags &^= ipvsctl.SvcFlagSchedFlag1 | ipvsctl.SvcFlagSchedFlag2 | ipvsctl.SvcFlagSchedFlag3
		f, err := parseSchedFlags(c.Svc.Scheduler, text)
		if err != nil {
			return err
		}
		c.Svc.Flags |= f
	}
	return nil
}

// apply records the option at index i of the grammar and applies its
// argument.
func (c *Command) apply(g *grammar, i int, arg *string, res Resolver) error {
	o, _ := g.option(i)
	if o.bit != noBit {
		if err := c.setOption(o.bit); err != nil {
			return err
		}
	}
	if o.set == nil {
		return nil
	}
	return o.set(c, arg, res)
}

// setTimeouts reads --set's three values, the line's leftover words.
func (c *Command) setTimeouts(p *poptScanner) error {
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
	return nil
}
