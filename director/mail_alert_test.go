package director

import (
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

// An outage is mailed when it happens, re-alerted every emailalertfreq
// while it lasts, and its end is mailed too.
func TestEmailAlertEventsAndReminders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "emailalert=\"ops@example.org\"\nemailalertfreq=1\nsmtp=127.0.0.1\n"+
			strings.Replace(twoReals, "\tchecktype=connect\n", "\tchecktype=connect\n\tservicename=web\n", 1))
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		h.health.set("10.0.0.3", false)
		h.waitLog("Deleted real server: 10.0.0.3:80 (192.168.100.1:80)")
		host, _ := os.Hostname()
		want := "127.0.0.1|ops@example.org|[web] Deleted real server: 10.0.0.3:80 (192.168.100.1:80)|" +
			"ldirectord host: " + host + "\nLog-Message: [web] Deleted real server: 10.0.0.3:80 (192.168.100.1:80)\nDaemon-Status: running\n" +
			"\nService name: web\n\n"
		testutil.WaitFor(t, 5*time.Second, func() bool { return strings.Contains(h.mails.String(), want) }, h.sentMails)
		// The reminder comes after emailalertfreq (1 s; the check runs each second).
		testutil.WaitFor(t, 5*time.Second, func() bool {
			return strings.Contains(h.mails.String(), "|[web] Inaccessible real server: 10.0.0.3:80 (192.168.100.1:80)|")
		}, h.sentMails)
		h.health.set("10.0.0.3", true)
		testutil.WaitFor(t, 5*time.Second, func() bool {
			return strings.Contains(h.mails.String(), "|[web] Added real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)|")
		}, h.sentMails)
		// Once it is back, no more reminders.
		n := strings.Count(h.mails.String(), "Inaccessible")
		time.Sleep(2500 * time.Millisecond)
		if m := strings.Count(h.mails.String(), "Inaccessible"); m != n {
			t.Errorf("%d reminders after the real came back", m-n)
		}
	})
}

// emailalertstatus=none mails nothing; the daemon's state is not in it.
func TestEmailAlertStatusFilters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "emailalert=\"ops@example.org\"\nemailalertstatus=none\n"+twoReals)
		h.health.set("10.0.0.2", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.2:80")
		h.settle()
		if h.mails.String() != "" {
			t.Errorf("mailed with emailalertstatus=none:\n%s", h.mails.String())
		}
	})
}
