#!/bin/bash
# Host side of make demo-ecmp: boot the lab and run e2e/demo-ecmp-vm.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/e2e/out"
out=$(mktemp -d "$top/e2e/out/demo-ecmp.XXXXXX")
printf 'exec bash %q\n' "$top/e2e/demo-ecmp-vm.sh" >"$out/script.sh"
rc=0
bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
cat "$out/log"
exit $rc
