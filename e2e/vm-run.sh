#!/bin/bash
# Runs inside the lab VM (see lab/lab.sh): the e2e test binaries against
# the real kernel. TESTS and E2E_ARGS narrow the run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# Binaries under test run from the guest's tmpfs: executing them from the
# 9p share costs a round trip per page.
mkdir -p /tmp/lab-bin
# lvsctl-bgp beside lvsctl: where the daemon looks for it.
cp "$top/bin/lvsctl" "$top/bin/lvsctl-bgp" "$top"/bin/*.test /tmp/lab-bin/
[[ -f "$top/bin/lvsctl-faults" ]] && cp "$top/bin/lvsctl-faults" /tmp/lab-bin/
export LVSCTL=/tmp/lab-bin/lvsctl LVSCTL_FAULTS=/tmp/lab-bin/lvsctl-faults
# The first `ip netns add` turns /run/netns into a shared mount point;
# two first ones at once may race over it (a namespace file under the
# other's mount). Tests add namespaces in parallel, so the first one is
# made here, before them.
ip netns add lab-first 2>/dev/null && ip netns del lab-first
rc=0
# The netlink client tests are quick: the first shard runs them whole; an
# unsharded run filters them like the rest.
if [[ -n "${SHARD:-}" && "$SHARD" != 0 ]]; then
	[[ "$SHARD" = 1 ]] && { (cd "$top/ipvsctl/netlink" && /tmp/lab-bin/ipvsctl-e2e.test -test.v -test.timeout 5m) || rc=1; }
else
	(cd "$top/ipvsctl/netlink" && /tmp/lab-bin/ipvsctl-e2e.test -test.v -test.timeout 5m ${TESTS:+-test.run "$TESTS"}) || rc=1
fi
(cd "$top/e2e" && /tmp/lab-bin/e2e.test -test.v -test.parallel 4 -test.timeout 40m ${TESTS:+-test.run "$TESTS"} ${E2E_ARGS:-}) || rc=1
exit $rc
