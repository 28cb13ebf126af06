package testutil

import (
	"runtime"
	"runtime/debug"
	"testing"

	"golang.org/x/sys/unix"
)

// RuntimeSettings returns GOMAXPROCS and GOGC as the runtime has them.
func RuntimeSettings(t testing.TB) (procs, gogc int) {
	t.Helper()
	procs = runtime.GOMAXPROCS(0)
	gogc = debug.SetGCPercent(100)
	debug.SetGCPercent(gogc)
	return procs, gogc
}

// THPDisabled reports whether transparent huge pages are off for this
// process (prctl PR_GET_THP_DISABLE).
func THPDisabled(t testing.TB) bool {
	t.Helper()
	v, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_GET_THP_DISABLE, 0, 0, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("prctl PR_GET_THP_DISABLE: %v", errno)
	}
	return v != 0
}

// SetTHPDisabled turns transparent huge pages off (or on) for this
// process.
func SetTHPDisabled(on bool) {
	v := 0
	if on {
		v = 1
	}
	_ = unix.Prctl(unix.PR_SET_THP_DISABLE, uintptr(v), 0, 0, 0)
}

// RestoreRuntime puts GOMAXPROCS, GOGC and the huge-page setting back as
// they were when the test ends.
func RestoreRuntime(t testing.TB) {
	procs, gogc := RuntimeSettings(t)
	thp := THPDisabled(t)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		debug.SetGCPercent(gogc)
		SetTHPDisabled(thp)
	})
}

// TuneCase is a case of a runtime tuning test: tune's effect with env.
type TuneCase struct {
	Name              string
	Tune              func()
	Env               map[string]string
	WantProcs, WantGC int // 0: left as it was
	WantTHPOff        bool
}

// RunTuneCases runs each case from GOMAXPROCS 3, GOGC 77 and huge pages on
// (values no tuning sets, so that "left alone" is visible) with
// GOMAXPROCS, GOGC and GODEBUG cleared but for the case's Env.
func RunTuneCases(t *testing.T, cases []TuneCase) {
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			RestoreRuntime(t)
			t.Setenv("GOMAXPROCS", "")
			t.Setenv("GOGC", "")
			t.Setenv("GODEBUG", "")
			for k, v := range tc.Env {
				t.Setenv(k, v)
			}
			runtime.GOMAXPROCS(3)
			debug.SetGCPercent(77)
			SetTHPDisabled(false)
			tc.Tune()
			procs, gogc := RuntimeSettings(t)
			wantProcs, wantGC := tc.WantProcs, tc.WantGC
			if wantProcs == 0 {
				wantProcs = 3
			}
			if wantGC == 0 {
				wantGC = 77
			}
			if procs != wantProcs || gogc != wantGC {
				t.Errorf("GOMAXPROCS %d, GOGC %d; want %d, %d", procs, gogc, wantProcs, wantGC)
			}
			if off := THPDisabled(t); off != tc.WantTHPOff {
				t.Errorf("transparent huge pages off: %v, want %v", off, tc.WantTHPOff)
			}
		})
	}
}
