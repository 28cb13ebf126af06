package director

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

// execute=: started with the daemon; on reload kept names are reloaded
// (started if that fails), removed ones stopped, new ones started; all
// stopped with the daemon.
func TestExecuteInstances(t *testing.T) {
	h := newHarness(t, "execute=a.cf\nexecute=noreload.cf\nexecute=gone.cf\n"+twoReals)
	h.start()
	waitExecs(t, h, "a.cf start", "gone.cf start", "noreload.cf start")
	h.execs.Reset()
	h.write("execute=a.cf\nexecute=noreload.cf\nexecute=new.cf\n" + twoReals)
	h.reload <- struct{}{}
	waitExecs(t, h, "a.cf reload", "gone.cf stop", "new.cf start", "noreload.cf reload", "noreload.cf start")
	h.execs.Reset()
	h.stop()
	waitExecs(t, h, "a.cf stop", "new.cf stop", "noreload.cf stop")
}

// waitExecs waits for exactly the wanted execute= runs, in any order.
func waitExecs(t *testing.T, h *harness, want ...string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	testutil.WaitFor(t, 5*time.Second, func() bool {
		got = strings.Fields(strings.ReplaceAll(h.execs.String(), " ", "_"))
		for i := range got {
			got[i] = strings.ReplaceAll(got[i], "_", " ")
		}
		sort.Strings(got)
		return strings.Join(got, "\n") == strings.Join(want, "\n")
	}, func() string { return fmt.Sprintf("execute= runs %q; got %q", want, got) })
}
