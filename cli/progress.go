package cli

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// progress shows a drain: on a terminal one line redrawn in place with a
// bar of how much of the initial load has gone; otherwise a line each
// time the counts change, which reads well in a log.
type progress struct {
	w       io.Writer
	tty     bool
	name    string
	timeout time.Duration
	start   time.Time
	first   int // holders at the first look, the bar's 100%
	last    string
	drawn   bool
}

const barWidth = 24

func newProgress(w io.Writer, tty bool, name string, timeout time.Duration) *progress {
	return &progress{w: w, tty: tty, name: name, timeout: timeout, start: time.Now(), first: -1}
}

func (p *progress) elapsed() time.Duration { return time.Since(p.start).Round(time.Second) }

func (p *progress) update(h holders) {
	if p.first < 0 {
		p.first = h.total()
	}
	counts := h.String()
	if !p.tty {
		if counts != p.last {
			fmt.Fprintf(p.w, "%s %s: %s\n", time.Now().Format(time.TimeOnly), p.name, counts)
		}
		p.last = counts
		return
	}
	done := barWidth
	if p.first > 0 {
		done = barWidth * (p.first - min(h.total(), p.first)) / p.first
	}
	bar := strings.Repeat("#", done) + strings.Repeat("-", barWidth-done)
	// \r and erase-to-end-of-line redraw the same line.
	fmt.Fprintf(p.w, "\r[%s] %s  %s/%s\x1b[K", bar, counts, p.elapsed(), p.timeout)
	p.drawn = true
}

// finish ends the redrawn line so what follows starts on its own.
func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func connAddr(a netip.Addr, port uint16) string { return netip.AddrPortFrom(a, port).String() }
