#!/bin/sh
# external checkcommand for e2e/checks_test.go: up (exit 0) only when
# called without a shell with exactly VIP VPORT RIP RPORT, as ldirectord
# does, for the lab's real 10.0.1.2:80.
[ "$#" -eq 4 ] || exit 1
case "$1" in 10.200.*) ;; *) exit 1 ;; esac
[ "$2" = 80 ] && [ "$3" = 10.0.1.2 ] && [ "$4" = 80 ]
