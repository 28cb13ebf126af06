package checks

import "context"

// On is checktype=on: the real is up without any check.
type On struct{}

func (On) Check(context.Context, Target) Result { return Result{Up: true, Reason: "checktype on"} }
func (On) String() string                       { return TypeOn }

// Off is checktype=off: ldirectord checks nothing and never adds the real,
// so its state is left alone (and it starts, and stays, down).
type Off struct{}

func (Off) Check(context.Context, Target) Result {
	return Result{Unchanged: true, Reason: "checktype off"}
}
func (Off) String() string { return TypeOff }

// None is negotiate with service=none: always up (check_none).
type None struct{}

func (None) Check(context.Context, Target) Result { return Result{Up: true, Reason: "service none"} }
func (None) String() string                       { return "negotiate:none" }
