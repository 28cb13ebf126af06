package ipvsadm

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Runner is ipvsadm: it parses command lines, makes every IPVS write of
// the CLI through Client, and prints what ipvsadm prints.
type Runner struct {
	Prog     string
	Client   ipvsctl.Client
	Res      Resolver
	Stdin    io.Reader
	Stdout   *bufio.Writer
	Stderr   io.Writer
	ConnFile string // defaults to ipvsctl.ConnProcFile
	// Extensions enables lvsctl's options (--json, --atomic; ext.go);
	// false is ipvsadm 1.31's grammar exactly.
	Extensions bool
}

// OpenFailure is ipvsadm's message when IPVS cannot be reached.
func OpenFailure(err error) (string, int) {
	var ke *ipvsctl.KernelError
	msg := "Protocol not available"
	if errors.As(err, &ke) {
		msg = ipvsctl.Strerror(ipvsctl.OpInit, ke.Errno)
	}
	return "Can't initialize ipvs: " + msg + "\nAre you sure that IP Virtual Server is built in the kernel or as module?\n", 2
}

// Main runs ipvsadm with args (argv without argv[0]) and returns the exit
// status.
func (r *Runner) Main(args []string) int {
	defer r.Stdout.Flush()
	if len(args) == 0 {
		if err := r.listAll(0); err != nil {
			return r.report(err)
		}
		return 0
	}
	err := r.process(args, false)
	return r.report(err)
}

// report prints an error's text where ipvsadm prints it and returns the
// exit status.
func (r *Runner) report(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.ToStdout {
			r.Stdout.WriteString(ee.Msg)
		} else {
			r.Stdout.Flush()
			io.WriteString(r.Stderr, ee.Msg)
		}
		return ee.Code
	}
	r.Stdout.Flush()
	var re *ReturnError
	if errors.As(err, &re) {
		io.WriteString(r.Stderr, re.Msg)
	} else {
		fmt.Fprintln(r.Stderr, err)
	}
	return 255
}

// process is ipvsadm's process_options for one command line.
func (r *Runner) process(args []string, readingStdin bool) error {
	c, err := r.parse(args)
	if err != nil {
		return err
	}
	return r.execute(c, readingStdin)
}

func kernelFailure(err error) error {
	return &ReturnError{Msg: err.Error() + "\n", Err: err}
}

// execute runs a parsed command; readingStdin refuses -R inside -R.
func (r *Runner) execute(c *Command, readingStdin bool) error {
	var err error
	switch c.Cmd {
	case CmdList:
		return r.list(c)
	case CmdRestore:
		if readingStdin {
			return tryHelp(r.Prog)
		}
		if c.Atomic {
			return r.restoreAtomic()
		}
		return r.restore()
	case CmdSave:
		return r.listAll(c.Format | FmtRule)
	case CmdFlush:
		err = r.Client.Flush()
	case CmdAdd:
		err = r.Client.AddService(&c.Svc)
	case CmdEdit:
		err = r.Client.UpdateService(&c.Svc)
	case CmdDel:
		err = r.Client.DeleteService(&c.Svc)
	case CmdZero:
		if c.Svc.FWMark == 0 && c.Svc.Port == 0 && (!c.Svc.Address.IsValid() || c.Svc.Address.IsUnspecified()) {
			err = r.Client.ZeroService(nil)
		} else {
			err = r.Client.ZeroService(&c.Svc)
		}
	case CmdAddDest:
		err = r.Client.AddDestination(&c.Svc, &c.Dest)
	case CmdEditDest:
		err = r.Client.UpdateDestination(&c.Svc, &c.Dest)
	case CmdDelDest:
		err = r.Client.DeleteDestination(&c.Svc, &c.Dest)
	case CmdTimeout:
		err = r.Client.SetTimeouts(c.Timeouts)
	case CmdStartDaemon:
		err = r.Client.StartDaemon(&c.Daemon)
	case CmdStopDaemon:
		err = r.Client.StopDaemon(&c.Daemon)
	}
	if err != nil {
		return kernelFailure(err)
	}
	return nil
}
