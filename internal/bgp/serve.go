package bgp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// Bounds of the speaker program's work on GoBGP.
const (
	// opTimeout bounds one command.
	opTimeout = 30 * time.Second
	// stopTimeout bounds the stop at the end of the input or on a signal:
	// the withdrawals' flush (withdrawFlushMax) and GoBGP's own stop.
	stopTimeout = 5 * time.Second
)

// Serve is the speaker program (cmd/lvsctl-bgp): it reads the director's
// commands from in (package bgpwire's protocol), carries them out on a
// Speaker, and writes the ready, done and status lines to out. It returns
// after a stop command, at the end of in (the director is gone), when
// ctx ends (a signal) or when out cannot be written, each time with the
// speaker stopped: routes withdrawn, sessions closed. A line it cannot
// read ends it with an error, as the director never writes one.
//
// The goroutine reading in ends when in does; the program's input ends
// with the program.
func Serve(ctx context.Context, in io.Reader, out io.Writer, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sv := &served{out: out, logger: logger, changed: make(chan struct{}, 1)}
	if err := sv.send(bgpwire.Reply{Kind: bgpwire.Ready, Protocol: bgpwire.Protocol}); err != nil {
		return err
	}
	cmds := make(chan bgpwire.Command)
	readErr := make(chan error, 1)
	quit := make(chan struct{})
	defer close(quit)
	go func() { readErr <- readCommands(in, cmds, quit) }()
	for {
		select {
		case c, ok := <-cmds:
			if !ok {
				err := <-readErr
				return errors.Join(err, sv.stop())
			}
			done, err := sv.do(c)
			if err != nil {
				return errors.Join(err, sv.stop())
			}
			if done {
				return nil
			}
		case <-sv.changed:
			if err := sv.sendStatus(); err != nil {
				return errors.Join(err, sv.stop())
			}
		case <-ctx.Done():
			return sv.stop()
		}
	}
}

// readCommands sends in's commands to cmds and closes it at the end of
// in, or at the first line it cannot read (returned); it gives up when
// quit is closed.
func readCommands(in io.Reader, cmds chan<- bgpwire.Command, quit <-chan struct{}) error {
	defer close(cmds)
	s := bgpwire.NewScanner(in)
	for s.Scan() {
		c, err := bgpwire.ParseCommand(s.Bytes())
		if err != nil {
			return err
		}
		select {
		case cmds <- c:
		case <-quit:
			return nil
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("bgp: read commands: %w", err)
	}
	return nil
}

// served is Serve's state.
type served struct {
	out     io.Writer
	mu      sync.Mutex // serialises writes to out
	logger  *slog.Logger
	sp      *Speaker // nil until the first configure works
	changed chan struct{}
	// sent is the last status line written.
	sent []byte
}

// do carries out one command and answers it; done says the program is
// to end (stop).
func (sv *served) do(c bgpwire.Command) (done bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var opErr error
	switch c.Verb {
	case bgpwire.Configure:
		if sv.sp == nil {
			sv.sp, opErr = Start(ctx, c.Config, WithLogger(sv.logger), WithNotify(sv.notify))
		} else {
			opErr = sv.sp.Reconfigure(ctx, c.Config)
		}
	case bgpwire.Announce:
		if sv.sp == nil {
			opErr = errors.New("bgp: announce: not configured")
		} else {
			opErr = sv.sp.SetAnnounced(ctx, c.Routes)
		}
	case bgpwire.Stop:
		opErr = sv.stop()
		done = true
	}
	// The status first: when the director reads done, the status it
	// holds shows the command's effect.
	if !done {
		if err := sv.sendStatus(); err != nil {
			return true, err
		}
	}
	r := bgpwire.Reply{Kind: bgpwire.Done, Seq: c.Seq}
	if opErr != nil {
		r.Err = opErr.Error()
	}
	if err := sv.send(r); err != nil {
		return true, err
	}
	return done, nil
}

// notify is the Speaker's change callback: it never blocks, the loop
// sends the status.
func (sv *served) notify() {
	select {
	case sv.changed <- struct{}{}:
	default:
	}
}

// sendStatus writes the status if it differs from the last written.
func (sv *served) sendStatus() error {
	if sv.sp == nil {
		return nil
	}
	b, err := bgpwire.Reply{Kind: bgpwire.StatusKind, Status: sv.sp.Status()}.Line()
	if err != nil {
		return err
	}
	if bytes.Equal(b, sv.sent) {
		return nil
	}
	sv.sent = b
	return sv.write(b)
}

func (sv *served) send(r bgpwire.Reply) error {
	b, err := r.Line()
	if err != nil {
		return err
	}
	return sv.write(b)
}

func (sv *served) write(b []byte) error {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if _, err := sv.out.Write(b); err != nil {
		return fmt.Errorf("bgp: write to the director: %w", err)
	}
	return nil
}

// stop stops the speaker, if it runs, within stopTimeout.
func (sv *served) stop() error {
	if sv.sp == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := sv.sp.Stop(ctx)
	_ = sv.sendStatus() // the director may be gone
	return err
}
