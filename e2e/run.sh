#!/bin/bash
# Host side of make e2e: boot the lab once, run the e2e test binary in it,
# print its output, exit with its status. TESTS=regexp narrows the run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/e2e/out/run
mkdir -p "$out"
cat >"$out/script.sh" <<SCRIPT
export TESTS='${TESTS:-}' E2E_ARGS='${E2E_ARGS:-}'
exec bash '$top/e2e/vm-run.sh'
SCRIPT
rc=0
bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
cat "$out/log" 2>/dev/null || true
if [[ $rc -eq 3 ]]; then
	echo "e2e: the lab VM did not run the tests" >&2
fi
exit $rc
