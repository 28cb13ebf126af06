#!/bin/bash
# Runs inside the lab VM: persistence on a real kernel, with lvsctl.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
lvsctl=$top/bin/lvsctl
. "$top/e2e/netlab.sh"
netlab_up 3
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
step() { printf '$ %s\n' "$*"; "$@"; }

say "LVS-NAT, round robin, persistent for 60 s, three real servers:"
step "$lvsctl" -A -t 192.0.2.100:80 -s rr -p 60
for n in 1 2 3; do step "$lvsctl" -a -t 192.0.2.100:80 -r 10.10.$n.2:80 -m; done
step "$lvsctl" -Ln

say "Six requests from the client (192.0.2.10): persistence pins them to one server"
for i in 1 2 3 4 5 6; do printf 'request %d answered by %s\n' "$i" "$(fetch)"; done

say "The connection table: the template (client port 0) is what pins the client"
step "$lvsctl" -Lcn

say "Counters"
step "$lvsctl" -Ln --stats

say "Without persistence, round robin spreads the same six requests"
step "$lvsctl" -E -t 192.0.2.100:80 -s rr
for i in 1 2 3 4 5 6; do printf 'request %d answered by %s\n' "$i" "$(fetch)"; done
step "$lvsctl" -Sn
netlab_down
