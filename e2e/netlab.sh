# Sourced inside the lab VM: builds a small LVS-NAT site out of network
# namespaces. The director is the root namespace, or the namespace DIRNS
# when given: IPVS state (table, connections, templates, sysctls) is per
# namespace, so a test with its own director starts from nothing, whatever
# earlier tests left lingering in the kernel. Everything stays in the VM.
#   client  192.0.2.10/24  --veth--  director 192.0.2.1/24, VIP 192.0.2.100
#   rsN     10.10.N.2/24   --veth--  director 10.10.N.1/24   (N = 1..REALS)
# usage: netlab_up [REALS [DIRNS]]
netlab_up() {
	local reals=${1:-3} dns=${2:-} n
	local dir=(ip) dex=()
	if [ -n "$dns" ]; then
		ip netns add "$dns"
		ip -n "$dns" link set lo up
		dir=(ip -n "$dns")
		dex=(ip netns exec "$dns")
	fi
	"${dex[@]}" sysctl -qw net.ipv4.ip_forward=1
	ip netns add client
	ip link add c-dir type veth peer name c-cli
	ip link set c-cli netns client
	[ -z "$dns" ] || ip link set c-dir netns "$dns"
	"${dir[@]}" addr add 192.0.2.1/24 dev c-dir
	"${dir[@]}" addr add 192.0.2.100/32 dev c-dir
	"${dir[@]}" link set c-dir up
	ip -n client addr add 192.0.2.10/24 dev c-cli
	ip -n client link set c-cli up
	ip -n client link set lo up
	ip -n client route add default via 192.0.2.1
	for n in $(seq 1 "$reals"); do
		ip netns add "rs$n"
		ip link add "r$n-dir" type veth peer name "r$n-rs"
		ip link set "r$n-rs" netns "rs$n"
		[ -z "$dns" ] || ip link set "r$n-dir" netns "$dns"
		"${dir[@]}" addr add "10.10.$n.1/24" dev "r$n-dir"
		"${dir[@]}" link set "r$n-dir" up
		ip -n "rs$n" addr add "10.10.$n.2/24" dev "r$n-rs"
		ip -n "rs$n" link set "r$n-rs" up
		ip -n "rs$n" link set lo up
		ip -n "rs$n" route add default via "10.10.$n.1"
		mkdir -p "/tmp/www$n"
		echo "rs$n" >"/tmp/www$n/index.html"
		ip netns exec "rs$n" busybox httpd -p 80 -h "/tmp/www$n"
	done
}

netlab_down() {
	pkill -f 'busybox httpd' 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	ip link del c-dir 2>/dev/null
	true
}

# fetch asks the VIP for a page from the client namespace. timeout, not
# wget -T: Debian 12's busybox-static 1.35 wget segfaults when given -T.
fetch() {
	ip netns exec client timeout 5 busybox wget -q -O - "http://${1:-192.0.2.100}/" 2>&1
}
