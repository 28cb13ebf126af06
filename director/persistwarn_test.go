package director

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
)

const persistentQuiescent = `quiescent=yes
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	checktype=connect
	persistent=300
`

// The persistence trap is warned about at start and on reload while the
// kernel keeps templates of quiesced reals, and not once it expires them.
func TestPersistenceTrapWarning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const warn = "Warning: virtual server 192.168.100.1:80 is persistent with quiescent=yes but "
		h := newBubbleHarness(t, persistentQuiescent)
		h.expire = filepath.Join(h.dir, "expire_quiescent_template")
		writeFile(t, h.expire, "0\n")
		h.start()
		h.waitLog(warn + h.expire + " is 0")
		h.reload <- struct{}{}
		h.waitLog("Reloading Linux Director Daemon config on signal")
		h.settle()
		if n := strings.Count(h.logs.String(), "DEBUG2: "+warn); n != 2 {
			t.Errorf("%d warnings after start and reload, want 2:\n%s", n, h.logs)
		}
		h.stop()

		h2 := newBubbleHarness(t, persistentQuiescent)
		h2.expire = filepath.Join(h2.dir, "expire_quiescent_template")
		writeFile(t, h2.expire, "1\n")
		h2.start()
		h2.settle()
		if strings.Contains(h2.logs.String(), warn) {
			t.Errorf("warned with expire_quiescent_template=1:\n%s", h2.logs)
		}
		// quiescent=no has no trap.
		h3 := newBubbleHarness(t, strings.Replace(persistentQuiescent, "quiescent=yes", "quiescent=no", 1))
		h3.expire = filepath.Join(h3.dir, "expire_quiescent_template")
		writeFile(t, h3.expire, "0\n")
		h3.start()
		h3.settle()
		if strings.Contains(h3.logs.String(), warn) {
			t.Errorf("warned with quiescent=no:\n%s", h3.logs)
		}
	})
}
