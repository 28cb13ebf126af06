#!/bin/bash
# Runs inside the lab VM: lvsctl against Debian's ipvsadm on the same
# kernel in the same boot. Prints one table; writes bench.tsv for the plot.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/e2e/bench-gen.sh"
. "$top/e2e/bench-daemon.sh"
. "$top/e2e/bench-bgp.sh"
mkdir -p /tmp/lab-bin && cp "$top/bin/lvsctl" "$top/bin/lvsctl-bgp" "$top/bin/benchtool" /tmp/lab-bin/
if [ -x "$top/bin/lvsctl-baseline" ]; then # BENCH_BASELINE (bench.sh)
	mkdir -p /tmp/lab-base && cp "$top/bin/lvsctl-baseline" /tmp/lab-base/lvsctl
	ln -sf /tmp/lab-base/lvsctl /tmp/lab-base/ldirectord
fi
L=/tmp/lab-bin/lvsctl I=/usr/sbin/ipvsadm B=/tmp/lab-bin/benchtool
out=${BENCH_OUT:-$PWD}
TIMEFORMAT=%R

secs() { { time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1; }
# best of N runs
best() { local n=$1 b= t; shift; for _ in $(seq "$n"); do t=$(secs "$@"); if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi; done; echo "$b"; }
# restore NS TOOL FILE: -R alone, into the empty table of a new network
# namespace NS. Not after -C: the kernel keeps deleted destinations in a
# trash list for two to three minutes, and every destination add walks
# that list (ip_vs_trash_get_dest), so a restore right after a flush of a
# big table costs minutes (perf in the lab: ip_vs_add_dest) and whichever
# tool came second paid for it. A fresh namespace has no trash.
restore() { ip netns exec "$1" "$2" -R <"$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

row() { printf '%-40s %10s %10s %8s %s\n' "$@"; }
row "measure" "ipvsadm" "lvsctl" "ratio" "target"
: >"$out/bench.tsv"
if [ "${BENCH_ONLY:-}" = daemon ]; then
	daemon_bench
	bgp_bench
	exit 0
fi
for n in 1000 10000 25000 100000; do
	gen_rules "$n" >/tmp/rules.$n
	ip netns add ri$n && ip netns add rl$n
	ti=$(secs restore ri$n $I /tmp/rules.$n)
	tl=$(secs restore rl$n $L /tmp/rules.$n)
	ip netns exec ri$n $I -C # (its estimators would load the guest while lvsctl's table is listed)
	reps=3
	[ "$n" -ge 100000 ] && reps=1 # minutes each in the lab
	# both list the same table: lvsctl's restore
	li=$(best $reps ip netns exec rl$n $I -Ln); ll=$(best $reps ip netns exec rl$n $L -Ln)
	si=$(best $reps ip netns exec rl$n $I -Sn); sl=$(best $reps ip netns exec rl$n $L -Sn)
	ip netns del ri$n && ip netns del rl$n # (tables freed before the daemon's figures: idle_guest)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$ti" "$tl" "$li" "$ll" "$si" "$sl" >>"$out/bench.tsv"
	t1=""; t2=""; [ "$n" = 25000 ] && { t1=">=10x"; t2=">=3x"; }
	row "-R $n rules (s)" "$ti" "$tl" "$(ratio "$ti" "$tl")" "$t1"
	row "-Ln $n rules (s)" "$li" "$ll" "$(ratio "$li" "$ll")" "$t2"
	row "-Sn $n rules (s)" "$si" "$sl" "$(ratio "$si" "$sl")" "$t2"
done
mkdir -p /tmp/connsdir
gen_conns 1000000 >/tmp/connsdir/ip_vs_conn
# /proc/net entries are revalidated on every lookup: replace the lister's
# whole net directory, from the process that execs the lister.
lc() { unshare -m sh -c 'mount --bind /tmp/connsdir /proc/$$/net && exec "$@"' lc "$@"; }
ci=$(secs lc $I -Lcn); cl=$(secs lc $L -Lcn)
mi=$(lc /usr/bin/time -f %M $I -Lcn 2>&1 >/dev/null | tail -n1)
ml=$(lc /usr/bin/time -f %M $L -Lcn 2>&1 >/dev/null | tail -n1)
row "-Lcn 1,000,000 entries (s)" "$ci" "$cl" "$(ratio "$ci" "$cl")" ">=2x"
row "-Lcn 1,000,000 max RSS (KiB)" "$mi" "$ml" "" "flat"
printf 'conns\t%s\t%s\t%s\t%s\n' "$ci" "$cl" "$mi" "$ml" >>"$out/bench.tsv"
daemon_bench
bgp_bench
