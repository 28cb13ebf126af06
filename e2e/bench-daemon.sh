# Sourced by bench-vm.sh inside the lab: the daemon's figures (docs/performance.md)
# for lvsctl (1,000 reals) and Debian's ldirectord (50 reals; at 1,000 a
# single black-hole round would take it over half an hour).
# Needs L (lvsctl, in /tmp/lab-bin), B (benchtool), row and out from the
# caller.

rs_setup() { # rs_setup: a netns "rs" answering HTTP on 10.200.0.0/16
	ip netns add rs
	ip link add vd type veth peer name vr netns rs
	ip addr add 10.199.0.1/30 dev vd && ip link set vd up
	ip -n rs addr add 10.199.0.2/30 dev vr && ip -n rs link set vr up && ip -n rs link set lo up
	ip route add 10.200.0.0/16 via 10.199.0.2
	for v in $(seq 1 10); do for r in $(seq 1 100); do echo "addr add 10.200.$v.$r/32 dev lo"; done; done | ip -n rs -batch -
	ip netns exec rs "$B" serve 0.0.0.0:80 &
	rs_pid=$!
	sleep 1
}

# ld_conf VIRTUALS REALS_PER_VIRTUAL INTERVAL [autoreload]: 1 real per
# virtual uses virtuals 10.100.x.y, otherwise 192.0.2.v.
ld_conf() {
	local nv=$1 nr=$2 v r
	printf 'checkinterval=%s\nchecktimeout=2\nquiescent=yes\nlogfile="/var/log/ld-bench.log"\nautoreload=%s\n\n' "$3" "${4:-no}"
	for v in $(seq 0 $((nv - 1))); do
		if [ "$nr" = 1 ]; then
			printf 'virtual=10.100.%d.%d:80\n' $((v / 250)) $((v % 250 + 1))
			printf '\treal=10.200.%d.%d:80 gate 1\n' $((v / 100 + 1)) $((v % 100 + 1))
		else
			printf 'virtual=192.0.2.%d:80\n' $((v + 1))
			for r in $(seq 1 "$nr"); do printf '\treal=10.200.%d.%d:80 gate 1\n' $((v + 1)) "$r"; done
		fi
		printf '\tchecktype=connect\n\tscheduler=wrr\n\n'
	done
}

pid_of() { cat "/var/run/ldirectord.$1.cf.pid"; } # the pid file keeps the config's whole basename
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# steady PID SECONDS: "CPU RSS" over SECONDS: CPU used by PID (all
# threads) in % of one core; RSS as the median and the maximum of one
# VmRSS reading a second ("22.5/27.8"), since a single reading moves by
# several MB with the collector's timing.
steady() {
	local a b hz i rss=()
	hz=$(getconf CLK_TCK)
	a=$(awk '{print $14 + $15}' "/proc/$1/stat")
	for ((i = 0; i < $2; i++)); do
		rss+=("$(rss_mb "$1")")
		sleep 1
	done
	b=$(awk '{print $14 + $15}' "/proc/$1/stat")
	awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.1f ", (b - a) / hz / s * 100 }'
	printf '%s\n' "${rss[@]}" | sort -n | awk '{ x[NR] = $1 } END { printf "%s/%s\n", x[int((NR + 1) / 2)], x[NR] }'
}
drop=(ip netns exec rs iptables -t filter)
writes() { busybox wget -q -O - http://127.0.0.1:9799/metrics | awk '/^lvs_reconcile_writes_total/ { print $2 }'; }

# daemon_round TOOL NAME N CAP: start TOOL on /etc/ha.d/NAME.cf, then
# measure; every wait gives up after CAP (">CAP" in the figures).
# Prints: start steady_cpu rss blackhole restore (seconds, %, MB).
daemon_round() {
	local tool=$1 name=$2 n=$3 cap=$4 start cpu rss bh back pid
	start=$("$B" until -timeout "$cap" up="$n" -- "$tool" "/etc/ha.d/$name.cf" start)
	pid=$(pid_of "$name")
	sleep 5
	cpu=$(steady "$pid" 30) # "CPU RSS" (no process substitution: the lab has no /dev/fd)
	rss=${cpu#* } cpu=${cpu%% *}
	# the clocks start when the rule is in place or gone (-after)
	bh=$("$B" until -trace -timeout "$cap" -every 50ms -after zero="$n" -- "${drop[@]}" -I INPUT -p tcp --dport 80 -j DROP 2>"$out/$name.bh.trace")
	back=$("$B" until -trace -timeout "$cap" -every 50ms -after up="$n" -- "${drop[@]}" -D INPUT -p tcp --dport 80 -j DROP 2>"$out/$name.back.trace")
	"$tool" "/etc/ha.d/$name.cf" stop >/dev/null 2>&1
	sleep 2
	ipvsadm -C
	echo "$start $cpu $rss $bh $back $(spread "$out/$name.bh.trace" "$n") $(spread "$out/$name.back.trace" "$n")"
}

# spread TRACE N: when half and when nine tenths of N had changed
# ("1.9/2.6"; "-" without a trace), from benchtool until -trace lines.
spread() {
	awk -v n="$2" '$1 == "trace" && !h && $3 >= n / 2 { h = $2 } $1 == "trace" && !t && $3 >= n * 0.9 { t = $2 }
		END { if (h && t) printf "%s/%s", h, t; else printf "-" }' "$1" 2>/dev/null || printf -
}

# idle_guest: wait (at most two minutes) until the guest's CPUs are 90%
# idle over two seconds: the listing benches leave the kernel freeing
# their tables, which must not be charged to the daemon.
idle_guest() {
	local i a b
	for ((i = 0; i < 60; i++)); do
		a=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $5 }' /proc/stat)
		sleep 2
		b=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $5 }' /proc/stat)
		awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !((y[2] - x[2]) / (y[1] - x[1]) > 0.9) }' && return
	done
}

# daemon_rows LABEL TARGET_BH TARGET_BACK LVSCTL_FIGURES LDIRECTORD_FIGURES
daemon_rows() {
	# "-" where a tool was not measured (empty figures)
	local -a l=(${4:-- - - - - - -}) i=(${5:-- - - - - - -})
	row "$1: all up after start (s)" "${i[0]}" "${l[0]}" "" ""
	row "$1: steady CPU (% of a core)" "${i[1]}" "${l[1]}" "" "<5%"
	row "$1: RSS, median/max (MB)" "${i[2]}" "${l[2]}" "" "<25 MB"
	row "$1: black hole, all quiesced (s)" "${i[3]}" "${l[3]}" "" "$2"
	row "$1: back, all restored (s)" "${i[4]}" "${l[4]}" "" "$3"
	row "$1: quiesced half/90% (s)" "${i[5]:--}" "${l[5]:--}" "" ""
	row "$1: restored half/90% (s)" "${i[6]:--}" "${l[6]:--}" "" ""
}

daemon_bench() {
	idle_guest
	rs_setup
	ln -sf "$L" /tmp/lab-bin/ldirectord
	local ld=/tmp/lab-bin/ldirectord a b c t w0 w1
	# the issue's figure: 1,000 reals in 10 virtuals, checkinterval 1
	ld_conf 10 100 1 >/etc/ha.d/bench1000.cf
	a=$(daemon_round $ld bench1000 1000 120s)
	# BENCH_BASELINE's lvsctl, the same rounds, each right after this
	# code's (in /tmp/lab-base when bench.sh built one)
	local base=/tmp/lab-base/ldirectord a0= b0=
	if [ -x "$base" ]; then
		ld_conf 10 100 1 >/etc/ha.d/base1000.cf
		a0=$(daemon_round $base base1000 1000 120s)
	fi
	# the same reals checked every 10 s: what the lab's CPU can sustain
	ld_conf 10 100 10 >/etc/ha.d/bench1000i10.cf
	b=$(daemon_round $ld bench1000i10 1000 120s)
	if [ -x "$base" ]; then
		ld_conf 10 100 10 >/etc/ha.d/base1000i10.cf
		b0=$(daemon_round $base base1000i10 1000 120s)
	fi
	# Debian's ldirectord: 50 reals (at 1,000 one black-hole round would
	# take it over half an hour: it checks one real after the other)
	ld_conf 5 10 1 >/etc/ha.d/bench50.cf
	c=$(daemon_round /usr/sbin/ldirectord bench50 50 300s)
	# the floor: the CPU the kernel charges for the same handshakes with
	# no checker around them (blocking connects from one thread)
	local reals=() f1 f10
	for v in $(seq 1 10); do for r in $(seq 1 100); do reals+=("10.200.$v.$r:80"); done; done
	f1=$("$B" floor -rate 1000 -seconds 30 "${reals[@]}")
	f10=$("$B" floor -rate 100 -seconds 30 "${reals[@]}")
	row "" "ldirectord" "lvsctl" "" ""
	daemon_rows "1,000 reals, interval 1" "<=4 s" "<=3 s" "$a" ""
	row "1,000 bare connects/s: CPU (% of a core)" "-" "$f1" "" "(floor)"
	daemon_rows "1,000 reals, interval 10" "<=13 s" "<=12 s" "$b" ""
	row "100 bare connects/s: CPU (% of a core)" "-" "$f10" "" "(floor)"
	daemon_rows "50 reals, interval 1" "<=4 s" "<=3 s" "" "$c"
	if [ -x "$base" ]; then
		daemon_rows "baseline ${BENCH_BASELINE:-}, interval 1" "<=4 s" "<=3 s" "$a0" ""
		daemon_rows "baseline ${BENCH_BASELINE:-}, interval 10" "<=13 s" "<=12 s" "$b0" ""
		printf 'baseline\t%s\t%s\n' "$a0" "$b0" >>"$out/bench.tsv"
	fi

	# reload: one weight in a 1,000-virtual config, by rename as editors do
	ld_conf 1000 1 10 yes >/etc/ha.d/bench-reload.cf
	"$B" until -timeout 300s up=1000 -- "$L" ldirectord --metrics-listen 127.0.0.1:9799 /etc/ha.d/bench-reload.cf start >/dev/null
	sleep 3
	w0=$(writes)
	# from the rename (the clock starts when mv has exited)
	t=$("$B" until -timeout 10s -every 2ms -after weight=10.200.5.50:80,7 -- sh -c \
		'sed "s/real=10.200.5.50:80 gate 1/real=10.200.5.50:80 gate 7/" /etc/ha.d/bench-reload.cf >/etc/ha.d/.new && mv /etc/ha.d/.new /etc/ha.d/bench-reload.cf')
	sleep 3
	w1=$(writes)
	"$L" ldirectord /etc/ha.d/bench-reload.cf stop >/dev/null 2>&1
	sleep 2
	ipvsadm -C
	row "reload 1 weight, 1,000 virtuals (s)" "-" "$t" "" "<=0.1 s"
	row "reload: netlink writes" "-" "$((w1 - w0))" "" "1"
	printf 'daemon\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$a" "$b" "$c" "$t" "$((w1 - w0))" "$f1" "$f10" >>"$out/bench.tsv"
	kill "$rs_pid" 2>/dev/null
}
