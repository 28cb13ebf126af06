#!/bin/bash
# Runs inside the lab VM (see lab/lab.sh): the e2e test binary against the
# real kernel. TESTS and E2E_ARGS narrow the run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export LVSCTL=$top/bin/lvsctl
cd "$top/e2e"
"$top/bin/e2e.test" -test.v -test.timeout 20m ${TESTS:+-test.run "$TESTS"} ${E2E_ARGS:-}
