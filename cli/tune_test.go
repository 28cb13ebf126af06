package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// runtimeSettings returns GOMAXPROCS and GOGC as the runtime has them.
func runtimeSettings(t testing.TB) (procs, gogc int) {
	t.Helper()
	procs = runtime.GOMAXPROCS(0)
	gogc = debug.SetGCPercent(100)
	debug.SetGCPercent(gogc)
	return procs, gogc
}

// restoreRuntime puts back the settings of before the test when it ends.
func restoreRuntime(t testing.TB) {
	procs, gogc := runtimeSettings(t)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		debug.SetGCPercent(gogc)
	})
}

func TestTuneRuntime(t *testing.T) {
	for _, tc := range []struct {
		name              string
		tune              func()
		env               map[string]string
		wantProcs, wantGC int // 0: left as it was
	}{
		{"daemon", tuneDaemon, nil, 0, 25},
		{"daemon, environment wins", tuneDaemon, map[string]string{"GOMAXPROCS": "2", "GOGC": "80"}, 0, 0},
		{"one-shot", tuneOneShot, nil, 1, 400},
		{"one-shot, environment wins", tuneOneShot, map[string]string{"GOMAXPROCS": "2", "GOGC": "80"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restoreRuntime(t)
			t.Setenv("GOMAXPROCS", "")
			t.Setenv("GOGC", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			// Values no tuning sets, so that "left alone" is visible.
			runtime.GOMAXPROCS(3)
			debug.SetGCPercent(77)
			tc.tune()
			procs, gogc := runtimeSettings(t)
			wantProcs, wantGC := tc.wantProcs, tc.wantGC
			if wantProcs == 0 {
				wantProcs = 3
			}
			if wantGC == 0 {
				wantGC = 77
			}
			if procs != wantProcs || gogc != wantGC {
				t.Errorf("GOMAXPROCS %d, GOGC %d; want %d, %d", procs, gogc, wantProcs, wantGC)
			}
		})
	}
}
