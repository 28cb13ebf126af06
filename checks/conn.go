package checks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// timed runs fn under the tighter of ctx's deadline and d, and stamps the
// latency. Every checker goes through it (those that talk to a service
// through Target.run).
func timed(ctx context.Context, d time.Duration, fn func(ctx context.Context) Result) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	r := fn(ctx)
	r.Latency = time.Since(start)
	if !r.Up && timedOut(ctx, r.Err) {
		r.Timeout = true
	}
	return r
}

// run is timed for a check of t that reads a server's replies: the
// result is scrubbed of t's secrets and of what may not go to a log.
func (t *Target) run(ctx context.Context, d time.Duration, fn func(ctx context.Context) Result) Result {
	return t.scrub(timed(ctx, d, fn))
}

// timedOut reports whether a check failed for lack of time. The socket
// deadline and the context's timer fire at the same instant, so either
// may be seen first.
func timedOut(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}

// conn is a connection whose every read and write is bounded by the check's
// deadline and whose reads are bounded in size.
type conn struct {
	net.Conn
	r    *bufio.Reader
	in   *budget
	stop func() bool
	// mark is the check's ConnectMark (nil: none) and deadline its end,
	// for what Write and Close record on it.
	mark     *ConnectMark
	deadline time.Time
}

// errSessionTooLong is the refusal of a server that sends more than maxRead
// bytes in one session.
var errSessionTooLong = fmt.Errorf("server sent more than %d MiB: refused", maxRead>>20)

// budget is a reader that refuses to read more than n bytes, failing with
// err: a server's reply is bounded by what its reader is given, not by
// what the server sends.
type budget struct {
	r   io.Reader
	n   int64
	err error
}

func (b *budget) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, b.err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	return n, err
}

// limit lets at most n more bytes be read from the connection (the
// buffered ones included), then fails with err.
func (c *conn) limit(n int64, err error) {
	c.in.n, c.in.err = n-int64(c.r.Buffered()), err
}

// dial connects to addr over network within ctx. With a ConnectMark, a
// TCP connect is marked just before its system call, and a dial that
// times out with the handshake over in the kernel is an answer missed:
// the real answered, the checking goroutine did not get a CPU to see it
// before its deadline (net.Dialer then reports a timeout).
func dial(ctx context.Context, network, addr string) (*conn, error) {
	var d net.Dialer
	var w connectWatch
	m := markOf(ctx)
	watched := m != nil && strings.HasPrefix(network, "tcp")
	if watched {
		d.ControlContext = w.control
	} else {
		markConnect(ctx)
	}
	c, err := d.DialContext(ctx, network, addr)
	w.done(ctx, err)
	if err != nil {
		return nil, err
	}
	if watched {
		m.connected.Store(true)
	}
	return wrap(ctx, c), nil
}

// connectWatch keeps a second descriptor of a dial's socket (fd, 0 for
// none), so that the socket's state can be read after net.Dialer has
// given up on it and closed its own. A name with addresses of both
// families is dialed from two goroutines: the socket tried last is kept.
type connectWatch struct {
	mu sync.Mutex
	fd int
}

// afterControl runs between the mark and the connect in tests (a check
// whose goroutine waits for a CPU there); nil otherwise.
var afterControl atomic.Pointer[func()]

// control is the dialer's hook, run on each socket it tries just before
// its connect (a name with several addresses has several).
func (w *connectWatch) control(ctx context.Context, _, _ string, rc syscall.RawConn) error {
	w.mu.Lock()
	w.close()
	err := rc.Control(func(fd uintptr) {
		// Above the standard descriptors, which a daemon may have closed.
		if nfd, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 3); e == 0 {
			w.fd = int(nfd)
		}
	})
	w.mu.Unlock()
	markConnect(ctx)
	if f := afterControl.Load(); f != nil {
		(*f)()
	}
	return err
}

// done closes the second descriptor; when the dial timed out and the
// kernel had made the connection, it marks the answer missed first.
func (w *connectWatch) done(ctx context.Context, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fd > 0 && err != nil && timedOut(ctx, err) {
		if made, cerr := rawConnectState(w.fd); made && cerr == nil {
			markOf(ctx).miss()
		}
	}
	w.close()
}

// close closes the second descriptor (w.mu held).
func (w *connectWatch) close() {
	if w.fd > 0 {
		rawClose(w.fd)
		w.fd = 0
	}
}

// wrap ties c to ctx: the deadline applies to all I/O and cancelling ctx
// unblocks it.
func wrap(ctx context.Context, c net.Conn) *conn {
	dl, ok := ctx.Deadline()
	if ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	wc := newConn(c, stop)
	wc.mark, wc.deadline = markOf(ctx), dl
	return wc
}

// newConn is c with a bounded, buffered reader; stop undoes what ties it
// to a context.
func newConn(c net.Conn, stop func() bool) *conn {
	in := &budget{r: c, n: maxRead, err: errSessionTooLong}
	return &conn{Conn: c, r: bufio.NewReaderSize(in, 4096), in: in, stop: stop}
}

// Write sends b; the real's time to answer runs from a completed send,
// and a send the deadline stopped is an answer missed (ConnectMark).
func (c *conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	switch {
	case err == nil:
		c.mark.sentNow()
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.mark.miss()
	}
	return n, err
}

// Close closes the connection; if the check's deadline has passed with
// a reply waiting unread in the kernel, the answer was missed.
func (c *conn) Close() error {
	c.stop()
	if c.mark != nil && !c.deadline.IsZero() && !time.Now().Before(c.deadline) && unread(c.Conn) {
		c.mark.miss()
	}
	return c.Conn.Close()
}

// errLineTooLong refuses a protocol line longer than maxLine, before more
// of it is read.
var errLineTooLong = fmt.Errorf("line longer than %d KiB: refused", maxLine>>10)

// readLine returns one line without its CR LF; longer lines are an error.
func (c *conn) readLine() (string, error) {
	var line []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > maxLine {
			return "", errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return trimEOL(line), nil
			}
			return "", err
		}
		return trimEOL(line), nil
	}
}

func trimEOL(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return string(b)
}

// cmd writes one CRLF-terminated command line.
func (c *conn) cmd(format string, args ...any) error {
	_, err := fmt.Fprintf(c, format+"\r\n", args...)
	return err
}

// reason turns a network error into a short reason.
func reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return err.Error()
}

// fail builds a down result from an error, prefixed with what was tried.
func fail(what string, err error) Result {
	return down(what+": "+reason(err), fmt.Errorf("%s: %w", what, err))
}

// bufioFull is what ReadSlice returns for a line longer than the buffer;
// such a line is matched in pieces.
var bufioFull = bufio.ErrBufferFull

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
