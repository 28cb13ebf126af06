#!/bin/sh
# keepalived's notify_backup and notify_fault: this director steps down.
# Save the table for the next takeover, then clear it so that the
# standby does not answer for the VIP's services.
set -e
exec 9>/run/lvs.lock
flock 9
mkdir -p /var/lib/lvs
ipvsadm --save -n >/var/lib/lvs/rules.new
mv /var/lib/lvs/rules.new /var/lib/lvs/rules
ipvsadm --clear
