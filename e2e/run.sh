#!/bin/bash
# Host side of make e2e: boot the lab, run the e2e test binaries in it,
# print their output, exit with their status. TESTS=regexp narrows the run.
# E2E_SHARDS=N (default 2, one per core) splits the tests over N VMs that
# run at once, balanced by e2e/weights.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/e2e/out"

# shard_tests N: N lines, each an anchored -test.run regexp. Tests named
# in e2e/quarantine.txt are left out unless E2E_ALL is set.
shard_tests() {
	local n=$1
	"$top/bin/e2e.test" -test.list '.*' | {
		if [[ -z "${E2E_ALL:-}" && -f "$top/e2e/quarantine.txt" ]]; then
			grep -vxF -f <(grep -v '^#' "$top/e2e/quarantine.txt" | awk '{print $1}' | grep .)
		else
			cat
		fi
	} | awk -v n="$n" -v wf="$top/e2e/weights.txt" '
		BEGIN { while ((getline l < wf) > 0) { if (l !~ /^#/) { split(l, f, " "); w[f[1]] = f[2] } } }
		{ t[NR] = $1; tw[NR] = ($1 in w) ? w[$1] : 60 }
		END {
			# heaviest first, each to the lightest shard
			for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
				if (tw[j] > tw[i]) { x = t[i]; t[i] = t[j]; t[j] = x; x = tw[i]; tw[i] = tw[j]; tw[j] = x }
			for (i = 1; i <= NR; i++) {
				best = 1; for (s = 2; s <= n; s++) if (load[s] < load[best]) best = s
				load[best] += tw[i]; list[best] = list[best] (list[best] ? "|" : "") t[i]
			}
			for (s = 1; s <= n; s++) print "^(" list[s] ")$"
		}'
}

# run_lab TESTS SHARD: one VM; prints the directory holding its log.
run_lab() {
	local out
	out=$(mktemp -d "$top/e2e/out/run.XXXXXX")
	cat >"$out/script.sh" <<SCRIPT
export TESTS='$1' SHARD='$2' E2E_ARGS='${E2E_ARGS:-}' RECORD_DIR='${RECORD:+$out/record}' LAB_CACHE='${LAB_CACHE:-$top/.cache/lab}'
exec bash '$top/e2e/vm-run.sh'
SCRIPT
	[[ -n "${RECORD:-}" ]] && mkdir -p "$out/record"
	echo "$out"
}

shards=${E2E_SHARDS:-2}
if [[ -n "${TESTS:-}" || $shards -le 1 ]]; then
	specs=("${TESTS:-}")
else
	mapfile -t specs < <(shard_tests "$shards")
fi
dirs=() pids=()
for i in "${!specs[@]}"; do
	shard=0
	[[ ${#specs[@]} -gt 1 ]] && shard=$((i + 1))
	d=$(run_lab "${specs[$i]}" "$shard")
	dirs+=("$d")
	LAB_TIMEOUT=${LAB_TIMEOUT:-3000} LAB_CPUS=${LAB_CPUS:-$((${#specs[@]} > 1 ? 1 : 2))} LAB_SLOTS=${LAB_SLOTS:-$shards} \
		bash "$top/e2e/lab/lab.sh" run "$d/script.sh" "$d" >"$d/lab.out" 2>&1 &
	pids+=($!)
done
rc=0
for i in "${!pids[@]}"; do
	r=0
	wait "${pids[$i]}" || r=$?
	d=${dirs[$i]}
	[[ ${#specs[@]} -gt 1 ]] && printf '=== e2e shard %d: %s\n' "$((i + 1))" "${specs[$i]}"
	cat "$d/log" 2>/dev/null || true
	cat "$d/lab.out"
	[[ -n "${RECORD:-}" ]] && echo "e2e: recordings in $d/record"
	if [[ $r -eq 3 ]]; then
		echo "e2e: the lab VM did not run the tests (shard $((i + 1)))" >&2
	fi
	[[ $r -ne 0 ]] && rc=$r
done
exit $rc
