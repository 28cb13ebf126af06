// Package director is ldirectord's daemon: it keeps the IPVS table of an
// ldirectord.cf in line with the health of its real servers.
//
// Ownership is strict, so that state lives in one place
// (ClusterLabs/resource-agents#870 is what happens otherwise):
//
//   - one prober goroutine per real server identity (ldirectord's real id)
//     checks on its own jittered schedule, through a bounded worker pool,
//     applies the failurecount hysteresis, and reports only transitions;
//   - the reconciler goroutine (engine.go) is the only IPVS writer: it turns
//     the configuration and the reported states into the wanted entries
//     and applies the minimal difference to the kernel (writer.go);
//   - Run (daemon.go) owns both and the config watcher through one
//     cancellable context, and waits for every goroutine before returning.
//
// Behaviour follows Debian's ldirectord 4.12 (../../shared/ldirectord-SPEC.md
// §4–§6); the deliberate differences are listed in docs/compat.md.
package director
