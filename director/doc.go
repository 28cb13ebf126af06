// Package director keeps the IPVS table of an ldirectord.cf in line with
// the health of its real servers: ldirectord's daemon at work. The
// process around it (pid file, signals, status socket, metrics listener)
// is package internal/daemon's.
//
// Every piece of state has one owner, so that no two parts of the daemon
// hold different views of a real across a reload (ldirectord's forked
// per-virtual children and its parent can disagree that way):
//
//   - each real server identity (ldirectord's real id: a real and its
//     check, shared by the virtuals that list it) has a prober
//     (prober.go): a timer that runs its check on its own jittered
//     schedule, with no goroutine between checks, as many checks running
//     at once as the limiter lets (limiter.go); it applies the
//     failurecount hysteresis and reports only transitions;
//   - the reconciler goroutine (engine.go) is the only IPVS writer: it
//     turns the configuration and the reported states into the wanted
//     entries and applies the minimal difference to the kernel
//     (writer.go);
//   - Run (daemon.go) owns the probers, the reconciler and the config
//     watcher through one cancellable context, and waits for every
//     goroutine before returning.
//
// Behaviour follows Debian's ldirectord 4.12; the deliberate differences
// are listed in docs/compat.md.
package director
