package checks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/lvsctl/lvsctl/internal/proc"
)

// External is checktype=external: checkcommand is executed directly (no
// shell; a command with spaces is one program name) with exactly four
// arguments, VIP-or-fwmark VPORT RIP RPORT. Exit status 0 is up. At
// checktimeout the process group gets SIGTERM, as ldirectord sends, and
// SIGKILL shortly after so nothing outlives the check (internal/proc).
type External struct{}

func (External) String() string { return TypeExternal }

func (External) Check(ctx context.Context, t Target) Result {
	return runExternal(ctx, t, t.CheckCommand, externalArgs(t))
}

// ExternalPerl is checktype=external-perl: checkcommand is a Perl file run
// with the same four arguments. ldirectord evals it inside its own
// interpreter, where exit(N) returns N; a separate perl process gives the
// same exit status without sharing the daemon's interpreter.
type ExternalPerl struct {
	// Perl is the interpreter; "" means "perl" from PATH.
	Perl string
}

func (ExternalPerl) String() string { return TypeExternalPerl }

func (p ExternalPerl) Check(ctx context.Context, t Target) Result {
	perl := p.Perl
	if perl == "" {
		perl = "perl"
	}
	return runExternal(ctx, t, perl, append([]string{"--", t.CheckCommand}, externalArgs(t)...))
}

// externalArgs are the four arguments of check_external. For a fwmark
// virtual the mark stands in for the address and the port is 0; IPv6
// addresses are bracketed as ldirectord stores them.
func externalArgs(t Target) []string {
	vip := strconv.FormatUint(uint64(t.FWMark), 10)
	if t.VirtualAddr.IsValid() {
		vip = hostString(t.VirtualAddr)
	}
	return []string{vip, strconv.Itoa(int(t.VirtualPort)), t.realHost(), strconv.Itoa(int(t.RealPort))}
}

// termGrace is how long a timed-out command may take to die after SIGTERM.
const termGrace = 200 * time.Millisecond

func runExternal(ctx context.Context, t Target, prog string, args []string) Result {
	return timed(ctx, t.checkTimeout(), func(ctx context.Context) Result {
		if t.CheckCommand == "" {
			return down("no checkcommand", errors.New("external check without checkcommand"))
		}
		// Own process group, so a script's children are signalled too,
		// and whatever of it survives SIGTERM is killed termGrace later.
		cmd := proc.Command(ctx, termGrace, prog, args...)
		markConnect(ctx)
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return up("exit status 0")
		case ctx.Err() != nil:
			return down(fmt.Sprintf("%s timed out, terminated", t.CheckCommand), fmt.Errorf("external check: %w", ctx.Err()))
		case errors.As(err, &ee):
			// ldirectord reads a death by signal as status 0 (up); a
			// crashed check is not a passed one, so it is down here.
			return down(ee.ProcessState.String(), fmt.Errorf("external check %s: %w", t.CheckCommand, err))
		}
		return fail("run "+prog, err)
	})
}
