package director

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

var reColons = regexp.MustCompile(`:+`)

// monitorLine is one monitorfile line (service_set with do_log):
// "[localtime] [PID] REALID [up|down] MSG", the real id's ':' runs turned
// into single spaces and its backslashes removed, MSG URI-escaping %, |,
// CR and LF ("-" if empty).
func monitorLine(now time.Time, realID string, up bool, msg string) string {
	id := strings.ReplaceAll(reColons.ReplaceAllString(realID, " "), `\`, "")
	state := "down"
	if up {
		state = "up"
	}
	if msg == "" {
		msg = "-"
	}
	var b strings.Builder
	for _, c := range []byte(msg) {
		switch c {
		case '%', '|', '\r', '\n':
			fmt.Fprintf(&b, "%%%.2x", c)
		default:
			b.WriteByte(c)
		}
	}
	return fmt.Sprintf("[%s] [%d] %s [%s] %s\n", now.Format(perlTime), os.Getpid(), id, state, b.String())
}
