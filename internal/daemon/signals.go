package daemon

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals are the signals on which ldirectord stops cleanly (its
// ld_handler_term list), by the name it logs.
var stopSignals = map[os.Signal]string{
	syscall.SIGTERM: "TERM", syscall.SIGINT: "INT", syscall.SIGQUIT: "QUIT",
	syscall.SIGILL: "ILL", syscall.SIGABRT: "ABRT", syscall.SIGFPE: "FPE",
	syscall.SIGSEGV: "SEGV", syscall.SIGBUS: "BUS", syscall.SIGSYS: "SYS",
	syscall.SIGXCPU: "XCPU", syscall.SIGXFSZ: "XFSZ",
}

// SignalsFunc delivers a process's signals while ctx lasts: the name of a
// stop signal, as ldirectord logs it, on stop, and a value per reload
// signal on reload. cleanup stops the delivery; call it after ctx ends.
type SignalsFunc func(ctx context.Context) (stop <-chan string, reload <-chan struct{}, cleanup func())

// Signals is the process's SignalsFunc: ldirectord's stop signals stop,
// HUP reloads, PIPE is ignored. (A real fault is synchronous and still
// crashes; only these signals sent by kill are caught.)
func Signals(ctx context.Context) (<-chan string, <-chan struct{}, func()) {
	sigs := make(chan os.Signal, 4)
	notify := []os.Signal{syscall.SIGHUP}
	for s := range stopSignals {
		notify = append(notify, s)
	}
	signal.Notify(sigs, notify...)
	signal.Ignore(syscall.SIGPIPE)
	stop := make(chan string, 1)
	hup := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-sigs:
				if s == syscall.SIGHUP {
					select {
					case hup <- struct{}{}:
					default: // a reload is already pending
					}
					continue
				}
				select {
				case stop <- signalName(s):
				default: // already stopping
				}
			}
		}
	}()
	return stop, hup, func() {
		signal.Stop(sigs)
		<-done
	}
}

func signalName(s os.Signal) string {
	if n, ok := stopSignals[s]; ok {
		return n
	}
	return "TERM"
}
