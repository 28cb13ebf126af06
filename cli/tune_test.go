package cli

import (
	"runtime"
	"runtime/debug"
	"testing"

	"golang.org/x/sys/unix"
)

// runtimeSettings returns GOMAXPROCS and GOGC as the runtime has them.
func runtimeSettings(t testing.TB) (procs, gogc int) {
	t.Helper()
	procs = runtime.GOMAXPROCS(0)
	gogc = debug.SetGCPercent(100)
	debug.SetGCPercent(gogc)
	return procs, gogc
}

// thpDisabled reports whether transparent huge pages are off for this
// process (prctl PR_GET_THP_DISABLE).
func thpDisabled(t testing.TB) bool {
	t.Helper()
	v, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_GET_THP_DISABLE, 0, 0, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("prctl PR_GET_THP_DISABLE: %v", errno)
	}
	return v != 0
}

func setTHPDisabled(on bool) {
	v := 0
	if on {
		v = 1
	}
	_ = unix.Prctl(unix.PR_SET_THP_DISABLE, uintptr(v), 0, 0, 0)
}

// restoreRuntime puts back the settings of before the test when it ends.
func restoreRuntime(t testing.TB) {
	procs, gogc := runtimeSettings(t)
	thp := thpDisabled(t)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		debug.SetGCPercent(gogc)
		setTHPDisabled(thp)
	})
}

func TestTuneRuntime(t *testing.T) {
	for _, tc := range []struct {
		name              string
		tune              func()
		env               map[string]string
		wantProcs, wantGC int // 0: left as it was
		wantTHPOff        bool
	}{
		{"daemon", tuneDaemon, nil, 0, 25, true},
		{"daemon, environment wins", tuneDaemon, map[string]string{"GOMAXPROCS": "2", "GOGC": "80", "GODEBUG": "disablethp=0"}, 0, 0, false},
		{"one-shot", tuneOneShot, nil, 1, 400, false},
		{"one-shot, environment wins", tuneOneShot, map[string]string{"GOMAXPROCS": "2", "GOGC": "80"}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restoreRuntime(t)
			t.Setenv("GOMAXPROCS", "")
			t.Setenv("GOGC", "")
			t.Setenv("GODEBUG", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			// Values no tuning sets, so that "left alone" is visible.
			runtime.GOMAXPROCS(3)
			debug.SetGCPercent(77)
			setTHPDisabled(false)
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
			if off := thpDisabled(t); off != tc.wantTHPOff {
				t.Errorf("transparent huge pages off: %v, want %v", off, tc.wantTHPOff)
			}
		})
	}
}
