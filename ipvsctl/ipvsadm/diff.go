package ipvsadm

import (
	"strconv"
	"strings"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// The changes of ipvsctl.DiffTables as ipvsadm commands: what lvsctl diff
// prints and lvsctl apply runs.

var changeCmds = map[ipvsctl.ChangeOp]Cmd{
	ipvsctl.OpAddSvc: CmdAdd, ipvsctl.OpEditSvc: CmdEdit, ipvsctl.OpDelSvc: CmdDel,
	ipvsctl.OpAddDst: CmdAddDest, ipvsctl.OpEditDst: CmdEditDest, ipvsctl.OpDelDst: CmdDelDest,
}

// changeCommand is the ipvsadm command that makes the change.
func changeCommand(c *ipvsctl.Change) *Command {
	cmd := &Command{Cmd: changeCmds[c.Op], Svc: c.Service}
	if c.Dest != nil {
		cmd.Dest = *c.Dest
	}
	return cmd
}

// CommandLine is the change as a numeric ipvsadm command line, the way
// -S -n writes rules, plus -x/-y which -S forgets, and fwmark 4294967295
// and flag 3 of sh and mh in words -R reads (-S writes -1 and nothing);
// lvsctl -R and ipvsadm -R accept it.
func CommandLine(c *ipvsctl.Change) string {
	var b strings.Builder
	p := &Printer{W: &b, Format: FmtRule | FmtNumeric, runnable: true}
	svc := c.Service
	name := p.serviceName(&svc)
	switch c.Op {
	case ipvsctl.OpAddSvc, ipvsctl.OpEditSvc:
		p.Service(&svc, nil)
		line := strings.TrimSuffix(b.String(), "\n")
		if c.Op == ipvsctl.OpEditSvc {
			line = "-E" + strings.TrimPrefix(line, "-A")
		}
		return line
	case ipvsctl.OpDelSvc:
		return "-D " + name
	case ipvsctl.OpDelDst:
		return "-d " + name + " -r " + p.addrPort(c.Dest.Family, c.Dest.Address, c.Dest.Port, svc.Protocol)
	}
	d := *c.Dest
	p.destination(&svc, name, &d)
	line := strings.TrimSuffix(b.String(), "\n")
	if d.UpperThreshold != 0 || d.LowerThreshold != 0 {
		line += " -x " + strconv.Itoa(int(d.UpperThreshold)) + " -y " + strconv.Itoa(int(d.LowerThreshold))
	}
	if c.Op == ipvsctl.OpEditDst {
		line = "-e" + strings.TrimPrefix(line, "-a")
	}
	return line
}
