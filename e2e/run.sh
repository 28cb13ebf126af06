#!/bin/bash
# Host side of make e2e: boot the lab once, run the e2e test binary in it,
# print its output, exit with its status. TESTS=regexp narrows the run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# A directory per run: several runs may queue for the lab at once.
mkdir -p "$top/e2e/out"
out=$(mktemp -d "$top/e2e/out/run.XXXXXX")
cat >"$out/script.sh" <<SCRIPT
export TESTS='${TESTS:-}' E2E_ARGS='${E2E_ARGS:-}' RECORD_DIR='${RECORD:+$out/record}'
exec bash '$top/e2e/vm-run.sh'
SCRIPT
[[ -n "${RECORD:-}" ]] && mkdir -p "$out/record"
rc=0
bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
cat "$out/log" 2>/dev/null || true
[[ -n "${RECORD:-}" ]] && echo "e2e: recordings in $out/record"
if [[ $rc -eq 3 ]]; then
	echo "e2e: the lab VM did not run the tests" >&2
fi
exit $rc
