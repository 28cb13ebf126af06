#!/bin/bash
# Runs inside the lab VM: three active-active directors (lvsctl ldirectord)
# announce a VIP over BGP to a BIRD 2 router, which spreads the flows over
# them (ECMP); one is killed in the middle of a long download.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p /tmp/lab-bin
cp "$top/bin/lvsctl" "$top/bin/lvsctl-bgp" "$top/bin/e2e.test" /tmp/lab-bin/
lvsctl=/tmp/lab-bin/lvsctl
cd "$top/e2e" || exit 1
. ./bgplab.sh
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
step() { printf '$ %s\n' "$*"; "$@"; }
# helper ROLE...: the lab's helper (e2e/bgp_child_test.go) in a namespace.
helper() {
	local ns=$1
	shift
	ip netns exec "$ns" env LVSCTL_E2E_BGPCHILD="$*" /tmp/lab-bin/e2e.test -test.run '^TestBGPChild$' | grep --line-buffered -v '^PASS$'
}
nexthops() { ip -n bgp-rt route show "$BGPLAB_VIP/32"; }
wait_hops() {
	for _ in $(seq 600); do
		[ "$(bgplab_nexthops | wc -l)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "the router never had $1 next hops" >&2
	return 1
}
cleanup() {
	for n in 1 2 3; do "$lvsctl" ldirectord "/etc/ha.d/demo-d$n.cf" stop >/dev/null 2>&1; done
	bgplab_down
}
trap cleanup EXIT

bgplab_up 3 3
# The servers run until their input ends: tail keeps it open.
for n in 1 2 3; do (tail -f /dev/null | helper "bgp-rs$n" serve "rs$n" >/dev/null &); done
for n in 1 2 3; do
	cat >"/etc/ha.d/demo-d$n.cf" <<CF
checktimeout=1
checkinterval=1
quiescent=no
logfile="$BGPLAB_DIR/demo-d$n.log"
bgplocalas=65010
bgppeer=10.20.0.1 65000 holdtime=3
bgpwithdrawdelay=2
virtual=$BGPLAB_VIP:8080
	real=10.20.0.21:8080 gate
	real=10.20.0.22:8080 gate
	real=10.20.0.23:8080 gate
	scheduler=mh
	schedflags=mh-port
	checktype=connect
	announce=yes
CF
done

say "Each director runs lvsctl ldirectord with this configuration (logfile apart):"
cat /etc/ha.d/demo-d1.cf
for n in 1 2 3; do step ip netns exec "bgp-d$n" "$lvsctl" ldirectord "/etc/ha.d/demo-d$n.cf" start; done
wait_hops 3

say "The router (BIRD 2) has a session with each director and one ECMP route over the three:"
step birdc -s "$BGPLAB_DIR/bird.ctl" show protocols
step ip -n bgp-rt route show "$BGPLAB_VIP/32"

say "A director's view: the real servers, the session and the announcement"
step "$lvsctl" status /etc/ha.d/demo-d1.cf

say "Twelve requests from the client (203.0.113.10), each from its own port: the director it went through and the real that answered"
for port in $(seq 42001 42012); do
	real=$(helper bgp-cl probe "$BGPLAB_VIP:8080" "$port")
	dir=-
	for n in 1 2 3; do
		ip netns exec "bgp-d$n" "$lvsctl" -Lnc | grep -q "203.0.113.10:$port " && dir=$n
	done
	printf 'from port %d: director %s, answered by %s\n' "$port" "$dir" "$real"
done

say "A long download (300 lines, 30 s) from the client"
helper bgp-cl streams "$BGPLAB_VIP:8080" 1 300 >"$BGPLAB_DIR/download" &
dl=$!
for _ in $(seq 100); do grep -q STARTED "$BGPLAB_DIR/download" 2>/dev/null && break; sleep 0.1; done
victim=
for n in 1 2 3; do
	c=$(ip netns exec "bgp-d$n" "$lvsctl" -Lnc | awk -v v="$BGPLAB_VIP:8080" '$5 == v && $3 == "ESTABLISHED" && $4 ~ /^203\.0\.113\.10:/ {print $4}')
	[ -n "$c" ] && { victim=$n; printf 'the download (%s) goes through director %s\n' "$c" "$n"; }
done
victim=${victim:-1}
sleep 3
say "kill -9 of director $victim's daemon (its BGP speaker dies with it)"
step kill -9 "$(cat "/run/ldirectord.demo-d$victim.cf.pid")"
wait_hops 2
step ip -n bgp-rt route show "$BGPLAB_VIP/32"
say "The download goes on through another director, to the same real (mh, sloppy_tcp):"
sleep 2
for n in 1 2 3; do
	[ "$n" = "$victim" ] && continue
	ip netns exec "bgp-d$n" "$lvsctl" -Lnc | grep -q "203.0.113.10" && { echo "director $n:"; ip netns exec "bgp-d$n" "$lvsctl" -Lnc | grep "$BGPLAB_VIP:8080"; }
done
wait "$dl"
say "The download's end: client port, real, lines received (of 300), status"
grep -v STARTED "$BGPLAB_DIR/download"
