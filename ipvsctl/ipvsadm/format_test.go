package ipvsadm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

func TestDetailFor(t *testing.T) {
	for f, want := range map[Format]ipvsctl.DestDetail{
		0: ipvsctl.DestBasic, FmtNumeric: ipvsctl.DestBasic, FmtRule: ipvsctl.DestTunnel, FmtRule | FmtNumeric: ipvsctl.DestTunnel,
		FmtStats: ipvsctl.DestFull, FmtRate: ipvsctl.DestFull, FmtThresholds: ipvsctl.DestFull, FmtPersistentConn: ipvsctl.DestFull,
		FmtTunInfo: ipvsctl.DestTunnel,
	} {
		if got := detailFor(f); got != want {
			t.Errorf("detailFor(%#x) = %d, want %d", f, got, want)
		}
	}
}

// The hand-made padding must print what C's printf (and fmt, for ASCII)
// prints.
func TestPaddingMatchesPrintf(t *testing.T) {
	for _, s := range []string{"", "Masq", "10.0.0.1:80", strings.Repeat("x", 28), strings.Repeat("y", 30)} {
		if got, want := string(padRight(nil, s, 28)), fmt.Sprintf("%-28s", s); got != want {
			t.Errorf("padRight(%q) = %q, want %q", s, got, want)
		}
	}
	for _, v := range []int64{0, 1, -1, 2147483647, -2147483648, 4294967295} {
		if got, want := string(intLeft([]byte("x"), v, 10)), fmt.Sprintf("x%-10d", v); got != want {
			t.Errorf("intLeft(%d) = %q, want %q", v, got, want)
		}
	}
}
