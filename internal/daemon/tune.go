package daemon

import (
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"
)

// Tune sets the Go runtime up for the long-running director: its live
// heap is small (about 3 MB for 1,000 reals) and nearly all it allocates
// is per-check garbage, so it collects at 25% growth (lab, 1,000 reals
// checked every 10 s, same boot: median RSS 19.1 and 21.2 MB against 21.8
// and 23.9 MB at 50% and 25.4 MB at 100%, CPU the same within the noise;
// docs/performance.md). GOGC in the environment still wins. Processors
// stay as many as the machine has: with one, the lab's emulated CPU could
// not keep up with 1,000 checks a second (reals flapped for a minute
// after the start), though natively one saves a quarter of the CPU.
//
// Transparent huge pages are turned off for the daemon (prctl
// PR_SET_THP_DISABLE, as Go's GODEBUG=disablethp=1 does for the heap
// alone): with a heap this small, a 2 MB page that backs a few live
// objects is 2 MB of RSS, and Debian's kernel hands them out (lab, 1,000
// reals at interval 1, same boot: 8-14 MB of huge pages, RSS max 25.5-26.4
// MB with them, 22.9 MB without). A GODEBUG that names disablethp wins.
func Tune() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	if !strings.Contains(os.Getenv("GODEBUG"), "disablethp") {
		_ = unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0)
	}
}
