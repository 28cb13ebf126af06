# Sourced by bench-vm.sh inside the lab: how long a director takes from
# "all reals down" to "route gone at the router" (BIRD 2, one director,
# checkinterval=1, the reals' web servers stopped at once). Needs L (lvsctl
# in /tmp/lab-bin, lvsctl-bgp beside it), row and top from the caller.

bgp_bench() {
	local cf=/etc/ha.d/bench-bgp.cf runs=() n t0 t1 i
	. "$top/e2e/bgplab.sh"
	bgplab_up 1 2
	cat >"$cf" <<CF
checktimeout=1
checkinterval=1
quiescent=no
logfile="$BGPLAB_DIR/bench.log"
bgplocalas=65010
bgppeer=$BGPLAB_ROUTER 65000 holdtime=3
virtual=$BGPLAB_VIP:80
	real=10.20.0.21:80 gate
	real=10.20.0.22:80 gate
	scheduler=mh
	checktype=connect
	announce=yes
CF
	ip netns exec bgp-d1 "$L" ldirectord "$cf" start >/dev/null
	for n in 1 2 3; do
		for i in $(seq 600); do [ -n "$(bgplab_nexthops)" ] && break; sleep 0.05; done
		t0=$(date +%s.%N)
		bgplab_real_down 1
		bgplab_real_down 2
		for i in $(seq 1200); do [ -z "$(bgplab_nexthops)" ] && break; sleep 0.02; done
		t1=$(date +%s.%N)
		runs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')")
		bgplab_real_up 1
		bgplab_real_up 2
	done
	"$L" ldirectord "$cf" stop >/dev/null
	rm -f "$cf"
	bgplab_down
	row "all reals down -> route gone (s)" "-" "$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)" "" "<= checkinterval+checktimeout+1 s (median of 3)"
}
