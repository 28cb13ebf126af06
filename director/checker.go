package director

import (
	"fmt"

	"github.com/lvsctl/lvsctl/checks"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Checker is the CheckerFunc of the daemon, of its configuration checks
// and of `lvsctl check -c`: a real of the configuration and its check.
func Checker(v *ldconf.Virtual, r *ldconf.Real) (checks.Checker, checks.Target, error) {
	t := CheckTarget(v, r)
	c, err := checks.New(t)
	if err != nil {
		return nil, t, fmt.Errorf("real server %s of %s: %w", r.Address, v.ID(), err)
	}
	return c, t, nil
}

// CheckTarget maps a real of the configuration onto what its check
// needs.
func CheckTarget(v *ldconf.Virtual, r *ldconf.Real) checks.Target {
	t := checks.Target{
		CheckType: v.CheckType.String(), NumConnects: v.NumConnects,
		Service: v.Service.String(), Protocol: v.Protocol.String(),
		VirtualAddr: v.Address, VirtualPort: v.Port, FWMark: uint32(v.FWMark),
		RealAddr: r.Address, RealPort: r.Port, CheckPort: r.CheckPort,
		Request: r.Request, Receive: r.Receive, VirtualHost: v.VirtualHost,
		Login: v.Login, Passwd: v.Passwd, Database: v.Database, Secret: v.Secret,
		HTTPMethod: v.HTTPMethod.String(), CheckCommand: v.CheckCommand,
		CheckCount: v.CheckCount, CheckTimeout: v.CheckTimeout, NegotiateTimeout: v.NegotiateTimeout,
		Security: v.Security,
	}
	if t.Request == "" {
		t.Request = v.Request
	}
	return t
}
