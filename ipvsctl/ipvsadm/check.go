package ipvsadm

import "github.com/lvsctl/lvsctl/ipvsctl"

// check is the part of ipvsadm's process_options that runs before the
// command: the option matrix, then per-command rules.
func (c *Command) check() error {
	if err := genericOptCheck(c.Cmd, c.Options); err != nil {
		return err
	}
	if c.Cmd == CmdAdd || c.Cmd == CmdEdit {
		if c.Svc.FWMark == 0 && c.Svc.Port == 0 && c.Svc.Flags&ipvsctl.SvcFlagPersistent == 0 {
			return fail("Zero port specified for non-persistent service")
		}
		if c.Svc.Flags&ipvsctl.SvcFlagOnePacket != 0 && c.Svc.FWMark == 0 && c.Svc.Protocol != ipvsctl.ProtoUDP {
			return fail("One-Packet Scheduling is only for UDP virtual services")
		}
		if c.Svc.Scheduler == "" {
			c.Svc.Scheduler = "wlc"
		}
	}
	if c.Cmd == CmdStartDaemon && c.Daemon.McastIfn == "" {
		c.Daemon.McastIfn = "eth0"
	}
	fwd := c.Dest.FwdMethod & ipvsctl.FwdMask
	if c.Cmd == CmdAddDest || c.Cmd == CmdEditDest {
		if c.Svc.FWMark == 0 && (fwd == ipvsctl.FwdTunnel || fwd == ipvsctl.FwdRoute) {
			c.Dest.Port = c.Svc.Port
		}
		if c.Dest.Family != c.Svc.Family && fwd != ipvsctl.FwdTunnel {
			return fail("Different address family is allowed only for tunneling servers")
		}
		if c.Options&tunnelOpts != 0 && fwd != ipvsctl.FwdTunnel {
			return fail("Tunnel options conflict with forward method")
		}
		if err := tunnelOptCheck(c.Dest.TunType, c.Options); err != nil {
			return err
		}
	}
	return nil
}

// genericOptCheck is ipvsadm's generic_opt_check: the command's row of
// commandOptions against the options given, in option order.
func genericOptCheck(cmd Cmd, options Options) error {
	row := commandOptions[cmd]
	var last Option
	count := 0
	for j := range numOpts {
		if !options.Has(j) {
			if row[j] == '+' {
				return fail("You need to supply the '%s' option for the '%s' command", j, cmd)
			}
			continue
		}
		switch row[j] {
		case 'x':
			return fail("Illegal '%s' option with the '%s' command", j, cmd)
		case '1':
			count++
			if count == 1 {
				last = j
				continue
			}
			return fail("The option '%s' conflicts with the '%s' option in the '%s' command", j, last, cmd)
		}
	}
	return nil
}

// tunnelOptCheck is the same for the tunnel type's row of tunnelOptions.
func tunnelOptCheck(tunType uint8, options Options) error {
	row := tunnelOptions[tunType]
	var last Option
	count := 0
	for j, k := range tunnelOptIndex {
		if !options.Has(k) {
			if row[j] == '+' {
				return fail("You need to supply the '%s' option for the '%s' tunnel type", k, tunNames[tunType])
			}
			continue
		}
		switch row[j] {
		case 'x':
			return fail("Illegal '%s' option with the '%s' tunnel type", k, tunNames[tunType])
		case '1':
			count++
			if count == 1 {
				last = k
				continue
			}
			return fail("The option '%s' conflicts with the '%s' option in the '%s' tunnel type", k, last, tunNames[tunType])
		}
	}
	return nil
}
