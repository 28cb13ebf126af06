#!/bin/bash
# Runs inside the lab VM: lvsctl against Debian's ipvsadm on the same
# kernel in the same boot. Prints one table; writes bench.tsv for the plot.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/e2e/bench-gen.sh"
. "$top/e2e/bench-daemon.sh"
mkdir -p /tmp/lab-bin && cp "$top/bin/lvsctl" "$top/bin/benchtool" /tmp/lab-bin/
L=/tmp/lab-bin/lvsctl I=/usr/sbin/ipvsadm B=/tmp/lab-bin/benchtool
out=${BENCH_OUT:-$PWD}
TIMEFORMAT=%R

secs() { { time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1; }
# best of N runs
best() { local n=$1 b= t; shift; for _ in $(seq "$n"); do t=$(secs "$@"); if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi; done; echo "$b"; }
# restore TOOL FILE: -R alone. The table is cleared before, untimed: a
# flush of the previous (largest so far) table costs the kernel minutes
# at 100k rules and would be charged to whichever tool came second.
restore() { "$1" -R <"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

row() { printf '%-40s %10s %10s %8s %s\n' "$@"; }
row "measure" "ipvsadm" "lvsctl" "ratio" "target"
: >"$out/bench.tsv"
for n in 1000 10000 25000 100000; do
	gen_rules "$n" >/tmp/rules.$n
	$I -C
	ti=$(secs restore $I /tmp/rules.$n)
	tc=$(secs $I -C)
	tl=$(secs restore $L /tmp/rules.$n)
	reps=3
	[ "$n" -ge 100000 ] && reps=1 # minutes each in the lab
	li=$(best $reps $I -Ln); ll=$(best $reps $L -Ln)
	si=$(best $reps $I -Sn); sl=$(best $reps $L -Sn)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$ti" "$tl" "$li" "$ll" "$si" "$sl" >>"$out/bench.tsv"
	t1=""; t2=""; [ "$n" = 25000 ] && { t1=">=10x"; t2=">=3x"; }
	row "-R $n rules (s)" "$ti" "$tl" "$(ratio "$ti" "$tl")" "$t1"
	row "  (-C of those $n rules, kernel) (s)" "$tc" "" "" ""
	row "-Ln $n rules (s)" "$li" "$ll" "$(ratio "$li" "$ll")" "$t2"
	row "-Sn $n rules (s)" "$si" "$sl" "$(ratio "$si" "$sl")" "$t2"
done
$I -C
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
