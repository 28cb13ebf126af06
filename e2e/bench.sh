#!/bin/bash
# Host side of make bench: run the benchmarks in the lab, print the table,
# draw docs/performance.png from the figures. Two boots: the listings and
# the daemon in a two-CPU guest (bench-vm.sh), the overloaded director in
# a one-CPU guest (bench-overload.sh). BENCH_ONLY=overload runs the
# second only; BENCH_ONLY=first the first only; BENCH_ONLY=daemon the
# daemon's and BGP's figures of the first only. BENCH_BASELINE=REV adds
# the daemon's rounds of another commit's lvsctl to the first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/e2e/out"
rc=0
# BENCH_BASELINE=REV: the daemon's rounds also run an lvsctl built from
# REV, in the same boot, so that two codes are compared on one guest
# (emulated CPUs differ from boot to boot).
rm -f "$top/bin/lvsctl-baseline"
if [[ -n "${BENCH_BASELINE:-}" ]]; then
	src=$(mktemp -d)
	git -C "$top" archive "$BENCH_BASELINE" | tar -x -C "$src"
	(cd "$src" && ${GO:-go} build -o "$top/bin/lvsctl-baseline" ./cmd/lvsctl)
	rm -rf "$src"
fi
if [[ "${BENCH_ONLY:-}" == overload ]]; then
	ov=$(mktemp -d "$top/e2e/out/bench-overload.XXXXXX")
	printf 'export BENCH_OUT=%q\nexec bash %q\n' "$ov" "$top/e2e/bench-overload.sh" >"$ov/script.sh"
	LAB_CPUS=1 LAB_TIMEOUT=3000 bash "$top/e2e/lab/lab.sh" run "$ov/script.sh" "$ov" || rc=$?
	cat "$ov/log"
	exit $rc
fi
out=$(mktemp -d "$top/e2e/out/bench.XXXXXX")
printf 'export BENCH_OUT=%q BENCH_ONLY=%q\nexec bash %q\n' "$out" "${BENCH_ONLY:-}" "$top/e2e/bench-vm.sh" >"$out/script.sh"
LAB_TIMEOUT=3000 bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
cat "$out/log"
if [[ "${BENCH_ONLY:-}" == daemon || "${BENCH_ONLY:-}" == first ]]; then
	exit $rc
fi
ov=$out/overload
mkdir -p "$ov"
printf 'export BENCH_OUT=%q\nexec bash %q\n' "$ov" "$top/e2e/bench-overload.sh" >"$ov/script.sh"
LAB_CPUS=1 LAB_TIMEOUT=3000 bash "$top/e2e/lab/lab.sh" run "$ov/script.sh" "$ov" || rc=$?
cat "$ov/log"
if [[ -s "$out/bench.tsv" ]] && command -v gnuplot >/dev/null; then
	grep -E '^[0-9]' "$out/bench.tsv" >"$out/growth.tsv"
	gnuplot <<PLOT
set terminal png size 900,500
set output "$top/docs/performance.png"
set title "IPVS table size against time (lab, emulated: compare ratios)"
set xlabel "rules"
set ylabel "seconds"
set key left top
set logscale xy
plot "$out/growth.tsv" using 1:2 with linespoints title "ipvsadm -R", \
     "$out/growth.tsv" using 1:3 with linespoints title "lvsctl -R", \
     "$out/growth.tsv" using 1:4 with linespoints title "ipvsadm -Ln", \
     "$out/growth.tsv" using 1:5 with linespoints title "lvsctl -Ln"
PLOT
	cp "$out/bench.tsv" "$top/docs/bench.tsv"
fi
exit $rc
