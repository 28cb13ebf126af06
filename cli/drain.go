package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
)

// Exit statuses of lvsctl drain.
const (
	drainDone     = 0
	drainTimedOut = 1
	drainError    = 2
)

// ExpireQuiescentPath is the sysctl --expire-templates sets.
const ExpireQuiescentPath = "/proc/sys/net/ipv4/vs/expire_quiescent_template"

type drainOptions struct {
	io       *IOStreams
	ctx      context.Context
	open     func() (ipvsctl.Client, error)
	connFile string
	res      ipvsadm.Resolver
	// sysctl is expire_quiescent_template; poll how often the holders
	// are read; signals: ctrl-C and TERM end the wait (off in tests).
	sysctl  string
	poll    time.Duration
	signals bool

	tcp, udp, sctp, real string
	fwmark               uint32
	ipv6                 bool
	timeout              time.Duration
	expire, keep         bool
}

// newCmdDrain is `lvsctl drain`: take a real server out of a service
// without cutting anyone off. runF, if not nil, runs instead of the drain.
func newCmdDrain(f *Factory, runF func(*drainOptions) error) *cobra.Command {
	o := &drainOptions{io: f.IOStreams, open: f.OpenIPVS, connFile: f.ConnFile, res: f.Resolver,
		sysctl: ExpireQuiescentPath, poll: time.Second, signals: true}
	cmd := &cobra.Command{
		Use:   "drain -t|-u|-f SERVICE -r REAL [--timeout 30s] [--expire-templates] [--keep]",
		Short: "Quiesce a real server, wait for its connections and templates to end, then remove it",
		Long: `Set the real server's weight to 0, so the scheduler sends it no new clients,
then wait until it has no active and no inactive connections and no
persistence template points at it (a template would send a returning client
back), and delete it from the service (unless --keep).

Progress is a bar on a terminal, one line per change otherwise.
Exit status: 0 drained, 1 timed out (what still holds the real is printed;
it stays at weight 0), 2 error or usage.

  lvsctl drain -t 192.0.2.100:80 -r 10.10.1.2:80 --timeout 5m
  lvsctl drain -f 1 -r 10.10.1.2 --expire-templates --keep`,
		Args:          noArgs(drainError),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ctx = cmd.Context()
			return orRun(runF, runDrain)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(drainError))
	fl := cmd.Flags()
	fl.StringVarP(&o.tcp, "tcp-service", "t", "", "TCP virtual service ADDRESS:PORT")
	fl.StringVarP(&o.udp, "udp-service", "u", "", "UDP virtual service ADDRESS:PORT")
	fl.StringVar(&o.sctp, "sctp-service", "", "SCTP virtual service ADDRESS:PORT")
	fl.Uint32VarP(&o.fwmark, "fwmark-service", "f", 0, "firewall-mark virtual service")
	fl.BoolVarP(&o.ipv6, "ipv6", "6", false, "the firewall-mark service is IPv6")
	fl.StringVarP(&o.real, "real-server", "r", "", "real server ADDRESS[:PORT]")
	fl.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up after this long (Go duration: 90s, 5m, 1h30m)")
	fl.BoolVar(&o.expire, "expire-templates", false, "set expire_quiescent_template to 1 while draining, so templates of the quiesced real go at their next packet")
	fl.BoolVar(&o.keep, "keep", false, "leave the drained real server in the table at weight 0")
	return cmd
}

// noArgs refuses arguments with the command's usage status; cobra's own
// check would exit 1.
func noArgs(code int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return &ExitError{Code: code, Err: fmt.Errorf("unexpected arguments %q", args), Usage: true}
	}
}

// serviceArgs turns the service flags into ipvsadm's words, so addresses,
// names and ports are read exactly as ipvsadm reads them.
func (o *drainOptions) serviceArgs() ([]string, error) {
	var args []string
	n := 0
	for _, s := range []struct{ flag, v string }{{"-t", o.tcp}, {"-u", o.udp}, {"--sctp-service", o.sctp}} {
		if s.v != "" {
			args = append(args, s.flag, s.v)
			n++
		}
	}
	if o.fwmark != 0 {
		args = append(args, "-f", fmt.Sprint(o.fwmark))
		if o.ipv6 {
			args = append(args, "-6")
		}
		n++
	}
	if n != 1 {
		return nil, errors.New("exactly one of -t, -u, --sctp-service or -f is required")
	}
	if o.real == "" {
		return nil, errors.New("-r REAL is required")
	}
	return append(args, "-r", o.real), nil
}

func runDrain(o *drainOptions) error {
	usage := func(err error) error { return &ExitError{Code: drainError, Err: err} }
	if o.timeout <= 0 {
		return usage(errors.New("--timeout must be positive"))
	}
	words, err := o.serviceArgs()
	if err != nil {
		return usage(err)
	}
	cmd, err := ipvsadm.Parse("lvsctl drain", append([]string{"-d"}, words...), o.res)
	if err != nil {
		return usage(fmt.Errorf("%s: %w", strings.Join(words, " "), err))
	}
	c, err := o.open()
	if err != nil {
		return usage(fmt.Errorf("open IPVS: %w", err))
	}
	defer c.Close()
	svc, err := c.GetService(cmd.Svc.Key())
	if err != nil {
		return usage(fmt.Errorf("service %s: %w", cmd.Svc.Key(), err))
	}
	d := &drainer{c: c, svc: svc, dest: cmd.Dest, connFile: o.connFile}
	if d.dest, err = d.find(); err != nil {
		return usage(fmt.Errorf("real server %s of %s: %w", &cmd.Dest, svc.Key(), err))
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if o.signals {
		// ctrl-C ends the wait through ctx, so the deferred restores run.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	if o.expire {
		restore, err := expireTemplates(o.sysctl)
		if err != nil {
			return usage(err)
		}
		defer func() {
			if err := restore(); err != nil {
				printError(o.io.ErrOut, "drain", err)
			}
		}()
	}
	if err := d.quiesce(); err != nil {
		return usage(err)
	}
	return o.await(ctx, d)
}

// await waits for the quiesced real's holders to go, then deletes it
// (unless --keep).
func (o *drainOptions) await(ctx context.Context, d *drainer) error {
	ios := o.io
	name := fmt.Sprintf("%s %s", d.svc.Key(), &d.dest)
	p := newProgress(ios.Out, ios.OutTTY, name, o.timeout)
	h, err := d.wait(ctx, o.poll, o.timeout, p)
	p.finish()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		reportHolders(ios.Out, name, o.timeout, h)
		return &ExitError{Code: drainTimedOut, Err: err, Quiet: true}
	case err != nil:
		return &ExitError{Code: drainError, Err: err}
	}
	if o.keep {
		fmt.Fprintf(ios.Out, "drained %s in %s; kept at weight 0\n", name, p.elapsed())
		return nil
	}
	if err := d.remove(); err != nil {
		return &ExitError{Code: drainError, Err: err}
	}
	fmt.Fprintf(ios.Out, "drained %s in %s; deleted\n", name, p.elapsed())
	return nil
}

// wait polls the holders until there are none, the timeout passes
// (context.DeadlineExceeded, with the last holders) or ctx ends.
func (d *drainer) wait(ctx context.Context, poll, timeout time.Duration, p *progress) (holders, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		h, err := d.holders()
		if err != nil {
			return h, err
		}
		p.update(h)
		if h.done() {
			return h, nil
		}
		select {
		case <-ctx.Done():
			return h, fmt.Errorf("interrupted with %s left: %w", h, context.Cause(ctx))
		case <-deadline.C:
			// One last look: the holder may have gone just now.
			if last, err := d.holders(); err == nil {
				h = last
				p.update(h)
				if h.done() {
					return h, nil
				}
			}
			return h, context.DeadlineExceeded
		case <-tick.C:
		}
	}
}

// reportHolders says what kept the real after a timeout.
func reportHolders(w io.Writer, name string, timeout time.Duration, h holders) {
	fmt.Fprintf(w, "timed out after %s: %s still has %s; left at weight 0\n", timeout, name, h)
	for _, c := range h.conns {
		fmt.Fprintf(w, "  connection %s %s -> %s %s expires %s\n", c.Protocol,
			connAddr(c.Client, c.ClientPort), connAddr(c.Virtual, c.VPort), c.State, mmss(c.Expires))
	}
	for _, c := range h.templates {
		fmt.Fprintf(w, "  template   %s %s -> %s expires %s\n", c.Protocol, c.Client, connAddr(c.Virtual, c.VPort), mmss(c.Expires))
	}
}

func mmss(sec int) string { return fmt.Sprintf("%02d:%02d", sec/60, sec%60) }
