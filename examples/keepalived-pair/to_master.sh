#!/bin/sh
# keepalived's notify_master: this director takes over. Put back the
# table the standby saved when it last stepped down, changing only what
# differs (counters and connections of unchanged rules survive).
#
# keepalived does not wait for a notify script, so a director that starts
# as backup and turns master at once could restore before it has saved:
# both scripts take the same lock first.
set -e
exec 9>/run/lvs.lock
flock 9
rules=/var/lib/lvs/rules
[ -f "$rules" ] || exit 0
if command -v lvsctl >/dev/null 2>&1; then
	lvsctl apply "$rules"
else
	ipvsadm --restore <"$rules"
fi
