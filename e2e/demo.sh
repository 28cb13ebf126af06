#!/bin/bash
# Host side of make demo: boot the lab and show persistence working.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/e2e/out"
out=$(mktemp -d "$top/e2e/out/demo.XXXXXX")
printf 'exec bash %q\n' "$top/e2e/demo-vm.sh" >"$out/script.sh"
rc=0
bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
cat "$out/log"
exit $rc
