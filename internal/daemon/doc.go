// Package daemon is the ldirectord process around director.Run: its pid
// file, the re-executed daemon and the report it sends the process that
// started it, its signals, its status socket and its metrics listener,
// and the control of a running daemon (stop, reload, wait for its end).
//
// It keeps ldirectord 4.12's process contract, which Debian's systemd
// unit and pacemaker's ocf:heartbeat:ldirectord agent depend on: the pid
// file /var/run/ldirectord.CFGNAME.pid, a daemon whose command line is
// exactly `<argv0> <config> start`, TERM, INT, QUIT and the other fault
// signals stopping it cleanly and HUP reloading it. What the daemon is
// told besides its command line travels in its environment, built for
// that one child (Settings).
//
// The words the ldirectord command prints and logs around these steps,
// and its exit statuses, are package cli's.
package daemon
