package cli

import (
	"testing"

	"github.com/lvsctl/lvsctl/internal/testutil"
)

func TestTuneRuntime(t *testing.T) {
	testutil.RunTuneCases(t, []testutil.TuneCase{
		{Name: "one-shot", Tune: tuneOneShot, WantProcs: 1, WantGC: 400},
		{Name: "one-shot, environment wins", Tune: tuneOneShot, Env: map[string]string{"GOMAXPROCS": "2", "GOGC": "80"}},
	})
}
