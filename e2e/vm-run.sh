#!/bin/bash
# Runs inside the lab VM (see lab/lab.sh): the e2e test binary against the
# real kernel. TESTS and E2E_ARGS narrow the run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# Binaries under test run from the guest's tmpfs: executing them from the
# 9p share costs a round trip per page.
mkdir -p /tmp/lab-bin
cp "$top/bin/lvsctl" "$top/bin/e2e.test" /tmp/lab-bin/
export LVSCTL=/tmp/lab-bin/lvsctl
cd "$top/e2e"
/tmp/lab-bin/e2e.test -test.v -test.timeout 25m ${TESTS:+-test.run "$TESTS"} ${E2E_ARGS:-}
