#!/bin/bash
# Runs inside a one-CPU lab VM (e2e/bench.sh boots it with LAB_CPUS=1): a
# director that cannot run its checks on time. 1,000 and then 250 reals
# in 10 virtuals, checktype=negotiate, service=http, checkinterval=1,
# checktimeout=2, quiescent=yes, every real answered by one process in a
# network namespace of the same guest (benchtool serve-http). For each:
# how long until all are up, then 60 s of watching (any drop of a
# healthy real counts) with the CPU split over that minute, a black hole
# of all (iptables DROP) until all are quiesced, their return, and
# another 60 s of watching for flaps. A drop while watching writes the
# reals and the director's status (the failed check's reason) to
# NAME.drops1 (first minute) or NAME.drops2 (after the return). Then 1,000 reals again with
# checkoverload=fail, ldirectord's behaviour, for comparison.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/e2e/bench-daemon.sh"
mkdir -p /tmp/lab-bin && cp "$top/bin/lvsctl" "$top/bin/benchtool" /tmp/lab-bin/
L=/tmp/lab-bin/lvsctl B=/tmp/lab-bin/benchtool
out=${BENCH_OUT:-$PWD}
row() { printf '%-46s %12s %12s %12s %s\n' "$@"; }

# http_conf VIRTUALS REALS_PER_VIRTUAL POLICY
http_conf() {
	local v r
	printf 'checkinterval=1\nchecktimeout=2\nquiescent=yes\nlogfile="/var/log/ld-overload.log"\ncheckoverload=%s\n\n' "$3"
	for v in $(seq 1 "$1"); do
		printf 'virtual=192.0.2.%d:80\n' "$v"
		for r in $(seq 1 "$2"); do printf '\treal=10.200.%d.%d:80 gate 1\n' "$v" "$r"; done
		printf '\tchecktype=negotiate\n\tservice=http\n\trequest="/"\n\treceive="ok"\n\tscheduler=wrr\n\n'
	done
}

metric() { busybox wget -q -O - http://127.0.0.1:9799/metrics | awk -v m="$1" '$1 == m { v = $2 + 0; if (v == int(v)) print v; else printf "%.4g\n", v }'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# busy and total ticks of the guest's CPU
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# watch_split PID SECONDS: (with $cfg and $name of the round: a drop's
# reals and the director's status then go to $out/$name.drops1)
# benchtool watch's "DROPS MIN_UP REALS" over
# SECONDS, then the CPU split over them in % of the CPU: the daemon, the
# real servers' process, and the rest (the kernel's TCP in softirq, other
# processes), "daemon/server/rest".
watch_split() {
	local d0 s0 c0 d1 s1 c1 w
	d0=$(ticks "$1") s0=$(ticks "$srv") c0=$(cpu_ticks)
	w=$("$B" watch -seconds "$2" -every 50ms -on-drop "$L status --json $cfg" 2>"$out/$name.drops1")
	d1=$(ticks "$1") s1=$(ticks "$srv") c1=$(cpu_ticks)
	awk -v w="$w" -v d="$((d1 - d0))" -v s="$((s1 - s0))" -v a="$c0" -v b="$c1" 'BEGIN {
		split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; all = y[2] - x[2]
		printf "%s %.0f/%.0f/%.0f\n", w, d / all * 100, s / all * 100, (busy - d - s) / all * 100 }'
}

# overload_round NAME N POLICY: prints "UP DROPS MIN_UP DROPPED SPLIT
# EFFECTIVE LATE BH BACK FLAPS LIMIT" (seconds, counts, "d/s/r" %; "-"
# where not measured; LIMIT is the checks let run at once at the end of
# the first minute).
overload_round() {
	local name=$1 n=$2 policy=$3 cfg=/etc/ha.d/$1.cf up pid w1 eff late lim bh back w2
	http_conf 10 $(($2 / 10)) "$policy" >"$cfg"
	up=$("$B" until -timeout 120s up="$n" -- "$L" ldirectord --metrics-listen 127.0.0.1:9799 "$cfg" start)
	pid=$(pid_of "$name")
	w1=$(watch_split "$pid" 60)
	eff=$(metric lvs_check_effective_interval_seconds) late=$(metric lvs_check_late_timeouts_total)
	lim=$(metric lvs_check_concurrency_limit)
	if [ "$policy" = fail ]; then
		bh=- back=- w2="- - -"
	else
		bh=$("$B" until -trace -timeout 60s -every 50ms -after zero="$n" -- "${drop[@]}" -I INPUT -p tcp --dport 80 -j DROP 2>"$out/$name.bh.trace")
		back=$("$B" until -trace -timeout 120s -every 50ms -after up="$n" -- "${drop[@]}" -D INPUT -p tcp --dport 80 -j DROP 2>"$out/$name.back.trace")
		w2=$("$B" watch -seconds 60 -every 50ms -on-drop "$L status --json $cfg" 2>"$out/$name.drops2")
	fi
	cp /var/log/ld-overload.log "$out/$name.log" 2>/dev/null
	"$L" ldirectord "$cfg" stop >/dev/null 2>&1
	sleep 2
	ipvsadm -C
	: >/var/log/ld-overload.log
	echo "$up $w1 ${eff:--} ${late:--} $bh $back ${w2%% *} ${lim:--}"
}

idle_guest
rs_setup
kill "$rs_pid" 2>/dev/null # rs_setup's connect-only server: the reals answer HTTP here
sleep 1
ip netns exec rs "$B" serve-http 0.0.0.0:80 &
srv=$!
sleep 1
a=$(overload_round ov1000 1000 stretch)
b=$(overload_round ov250 250 stretch)
c=$(overload_round ov1000fail 1000 fail)
kill "$srv" 2>/dev/null
A=($a) Bf=($b) C=($c)
row "overload: negotiate http, interval 1, 1 CPU" "1,000" "250" "1,000 fail" "target"
row "all up after the start (s)" "${A[0]}" "${Bf[0]}" "${C[0]}" ""
row "60 s after: healthy reals dropped" "${A[1]}" "${Bf[1]}" "${C[1]}" "0"
row "60 s after: fewest up at once" "${A[2]}" "${Bf[2]}" "${C[2]}" "all"
row "CPU daemon/server/rest (% of the CPU)" "${A[4]}" "${Bf[4]}" "${C[4]}" ""
row "effective interval (s)" "${A[5]}" "${Bf[5]}" "${C[5]}" "<=5 (3 x interval + timeout)"
row "checks let run at once (limit)" "${A[10]}" "${Bf[10]}" "${C[10]}" ""
row "timeouts taken as no answer yet" "${A[6]}" "${Bf[6]}" "${C[6]}" ""
row "black hole, all quiesced (s)" "${A[7]}" "${Bf[7]}" "${C[7]}" "<=9 (3 x (interval + timeout))"
row "back, all restored (s)" "${A[8]}" "${Bf[8]}" "${C[8]}" ""
row "60 s after the return: drops" "${A[9]}" "${Bf[9]}" "${C[9]}" "0"
printf 'overload\t%s\t%s\t%s\n' "$a" "$b" "$c" >>"$out/bench.tsv"
