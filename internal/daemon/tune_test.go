package daemon

import (
	"testing"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

func TestTune(t *testing.T) {
	testutil.RunTuneCases(t, []testutil.TuneCase{
		{Name: "daemon", Tune: Tune, WantGC: 25, WantTHPOff: true},
		{Name: "daemon, environment wins", Tune: Tune, Env: map[string]string{"GOMAXPROCS": "2", "GOGC": "80", "GODEBUG": "disablethp=0"}},
	})
}
