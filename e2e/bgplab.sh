# Sourced inside the lab VM: the scale-out site of docs/scale-out.md out
# of network namespaces. A router running BIRD 2 peers with every
# director over eBGP and spreads the flows to the VIP over the directors
# that announce it (ECMP, layer-4 hash); directors and real servers share
# one LAN, LVS-DR, the VIP on their lo. Everything stays in the VM.
#
#   bgp-cl 203.0.113.10 --veth-- bgp-rt 203.0.113.1      (client, router)
#                                bgp-rt 10.20.0.1    AS 65000, BIRD
#   br-bgp (bridge, root namespace): the LAN 10.20.0.0/24
#     bgp-dN  10.20.0.1N  AS 65010, VIPs 192.0.2.100 and .101 on lo  (N = 1..DIRS)
#     bgp-rsN 10.20.0.2N  the VIPs on lo, default via the router       (N = 1..REALS)
#     bgp-pr  10.20.0.9   a client on the LAN that picks the director (bgplab_probe_up)
#     bgp-rt2 10.20.0.2   a second BIRD, AS 65000, routes nothing   (bgplab_router2_up)
#
# usage: bgplab_up [DIRS [REALS]]; bgplab_down
BGPLAB_VIP=192.0.2.100
BGPLAB_VIP2=192.0.2.101
BGPLAB_ROUTER=10.20.0.1
BGPLAB_ROUTER_AS=65000
BGPLAB_DIRECTOR_AS=65010
BGPLAB_DIR=${BGPLAB_DIR:-/tmp/bgplab}

bgplab_up() {
	local dirs=${1:-3} reals=${2:-3} n
	bgplab_wait_gone
	mkdir -p "$BGPLAB_DIR"
	ip link add br-bgp type bridge
	ip link set br-bgp up
	ip netns add bgp-rt
	ip netns add bgp-cl
	ip -n bgp-rt link set lo up
	ip -n bgp-cl link set lo up
	ip link add cl-rt type veth peer name rt-cl
	ip link set cl-rt netns bgp-cl
	ip link set rt-cl netns bgp-rt
	ip -n bgp-cl addr add 203.0.113.10/24 dev cl-rt
	ip -n bgp-cl link set cl-rt up
	ip -n bgp-cl route add default via 203.0.113.1
	ip -n bgp-rt addr add 203.0.113.1/24 dev rt-cl
	ip -n bgp-rt link set rt-cl up
	bgplab_plug bgp-rt rt-lan "$BGPLAB_ROUTER/24"
	# The router forwards, and hashes flows over the ECMP next hops by
	# addresses and ports (policy 1), so one client's connections spread.
	ip netns exec bgp-rt sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
	for n in $(seq 1 "$dirs"); do
		ip netns add "bgp-d$n"
		ip -n "bgp-d$n" link set lo up
		bgplab_plug "bgp-d$n" "d$n-lan" "10.20.0.1$n/24"
		ip -n "bgp-d$n" addr add "$BGPLAB_VIP/32" dev lo
		ip -n "bgp-d$n" addr add "$BGPLAB_VIP2/32" dev lo
		ip -n "bgp-d$n" route add default via "$BGPLAB_ROUTER"
		bgplab_director_sysctls "bgp-d$n"
	done
	for n in $(seq 1 "$reals"); do
		ip netns add "bgp-rs$n"
		ip -n "bgp-rs$n" link set lo up
		bgplab_plug "bgp-rs$n" "rs$n-lan" "10.20.0.2$n/24"
		ip -n "bgp-rs$n" addr add "$BGPLAB_VIP/32" dev lo
		ip -n "bgp-rs$n" addr add "$BGPLAB_VIP2/32" dev lo
		ip -n "bgp-rs$n" route add default via "$BGPLAB_ROUTER"
		# LVS-DR real server: the VIP is never answered nor announced by
		# ARP on the LAN.
		ip netns exec "bgp-rs$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
		mkdir -p "$BGPLAB_DIR/www$n"
		echo "rs$n" >"$BGPLAB_DIR/www$n/index.html"
		bgplab_real_up "$n"
	done
	bgplab_bird_conf "$dirs" >"$BGPLAB_DIR/bird.conf"
	ip netns exec bgp-rt bird -c "$BGPLAB_DIR/bird.conf" -s "$BGPLAB_DIR/bird.ctl" -P "$BGPLAB_DIR/bird.pid"
}

# bgplab_plug NS IFACE ADDR: a veth from NS to the LAN bridge.
bgplab_plug() {
	ip link add "$2" type veth peer name "$2-br"
	ip link set "$2" netns "$1"
	ip link set "$2-br" master br-bgp up
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
}

# bgplab_director_sysctls NS: what an active-active LVS-DR director needs.
# The VIP sits on lo: the director must not answer ARP for it on the LAN
# (the router reaches it through BGP, the reals hold it too). sloppy_tcp
# lets a director take over a connection that began on another one (its
# first packet here is not a SYN); conntrack stays off, there is no state
# to share between directors.
bgplab_director_sysctls() {
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.vs.sloppy_tcp=1 net.ipv4.vs.conntrack=0
}

# bgplab_bird_conf DIRS: the router's BIRD 2 configuration. Routes from
# the directors go to the kernel, equal ones merged into one multipath
# route; nothing is sent to the directors.
bgplab_bird_conf() {
	local n
	cat <<EOF
router id $BGPLAB_ROUTER;
log "$BGPLAB_DIR/bird.log" all;
protocol device { }
protocol kernel {
	ipv4 { import none; export all; };
	merge paths on;
}
template bgp director {
	local $BGPLAB_ROUTER as $BGPLAB_ROUTER_AS;
	hold time 3;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export none; };
}
EOF
	for n in $(seq 1 "$1"); do
		echo "protocol bgp d$n from director { neighbor 10.20.0.1$n as $BGPLAB_DIRECTOR_AS; }"
	done
}

bgplab_birdc() { birdc -s "$BGPLAB_DIR/bird.ctl" "$@"; }
bgplab_birdc2() { birdc -s "$BGPLAB_DIR/bird2.ctl" "$@"; }

# bgplab_real_up N / bgplab_real_down N: real N's web server (port 80,
# what the directors check) started / stopped.
bgplab_real_up() {
	ip netns exec "bgp-rs$1" busybox httpd -p 80 -h "$BGPLAB_DIR/www$1"
}
bgplab_real_down() {
	pkill -f "^busybox httpd -p 80 -h $BGPLAB_DIR/www$1\$"
}

# bgplab_probe_up: bgp-pr, a client on the LAN whose route to the VIPs
# names one director (ip -n bgp-pr route replace VIP via DIRECTOR).
bgplab_probe_up() {
	ip netns add bgp-pr
	ip -n bgp-pr link set lo up
	bgplab_plug bgp-pr pr-lan 10.20.0.9/24
}

# bgplab_router2_up DIRS: a second router, 10.20.0.2, peering with the
# directors that list it; it routes nothing (its routes stay in BIRD).
bgplab_router2_up() {
	local n
	bgplab_plug_ns bgp-rt2
	bgplab_plug bgp-rt2 rt2-lan 10.20.0.2/24
	# (a pipe: the guest has no /dev/fd for a process substitution)
	bgplab_bird_conf "$1" |
		sed -e "s/^router id .*/router id 10.20.0.2;/" -e "s|bird.log|bird2.log|" \
			-e "s/local $BGPLAB_ROUTER as/local 10.20.0.2 as/" \
			-e "s/export all; };/export none; };/" >"$BGPLAB_DIR/bird2.conf"
	ip netns exec bgp-rt2 bird -c "$BGPLAB_DIR/bird2.conf" -s "$BGPLAB_DIR/bird2.ctl" -P "$BGPLAB_DIR/bird2.pid"
}

bgplab_plug_ns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# bgplab_nexthops: the router's next hops for the VIP, one a line, sorted.
bgplab_nexthops() {
	ip -n bgp-rt route show "$BGPLAB_VIP/32" | grep -o 'via [0-9.]*' | awk '{print $2}' | sort
}

# bgplab_dr_service NS [IPVSADM]: the VIP's service in a director
# namespace, mh with mh-port so that every director sends a flow to the
# same real, the reals by LVS-DR.
bgplab_dr_service() {
	local ns=$1 ipvsadm=${2:-/usr/sbin/ipvsadm} n
	ip netns exec "$ns" "$ipvsadm" -A -t "$BGPLAB_VIP:80" -s mh -b mh-port
	for n in $(seq 1 9); do
		ip netns list | grep -qw "bgp-rs$n" || continue
		ip netns exec "$ns" "$ipvsadm" -a -t "$BGPLAB_VIP:80" -r "10.20.0.2$n:80" -g
	done
}

# bgplab_fetch: the VIP's page from the client.
bgplab_fetch() {
	ip netns exec bgp-cl timeout 5 busybox wget -q -O - "http://$BGPLAB_VIP/" 2>&1
}

bgplab_down() {
	[ -f "$BGPLAB_DIR/bird.pid" ] && kill "$(cat "$BGPLAB_DIR/bird.pid")" 2>/dev/null
	[ -f "$BGPLAB_DIR/bird2.pid" ] && kill "$(cat "$BGPLAB_DIR/bird2.pid")" 2>/dev/null
	pkill -f "busybox httpd -p 80 -h $BGPLAB_DIR/www" 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep '^bgp-'); do ip netns pids "$ns" | xargs -r kill 2>/dev/null; done
	rm -f "$BGPLAB_DIR"/bird*.pid
	# The LAN ends first, each at once with its peer: a deleted
	# namespace's devices go later, in the kernel's own time.
	for l in $(ip -o link show | grep -oE ' [a-z0-9]+-lan-br@' | tr -d ' @'); do ip link del "$l" 2>/dev/null; done
	for ns in $(ip netns list | awk '{print $1}' | grep '^bgp-'); do ip netns del "$ns"; done
	ip link del br-bgp 2>/dev/null
	bgplab_wait_gone
	rm -rf "$BGPLAB_DIR"
	true
}

# bgplab_wait_gone: the kernel destroys a deleted namespace's devices
# after `ip netns del` returns; the LAN ends of its veths linger in the
# root namespace a while, and a new lab's devices of the same names would
# fail. Waits (30 s at most) until they are gone.
bgplab_wait_gone() {
	local i
	for i in $(seq 300); do
		ip -o link show | grep -qE ' (br-bgp|[a-z0-9]+-lan-br)[@:]' || return 0
		sleep 0.1
	done
	echo "bgplab: devices of an earlier lab left: $(ip -o link show | grep -oE ' (br-bgp|[a-z0-9]+-lan-br)[@:]' | tr -d '@:' | xargs)" >&2
	return 1
}
