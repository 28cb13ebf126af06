#!/bin/bash
# make e2e-clone: the lab from a checkout under /tmp. The guest mounts a
# tmpfs over /tmp, so a clone there is the case that breaks first. The
# tracked files (with any uncommitted change) are copied to a new
# directory under /tmp, built there and one lab test is run from it; the
# kernel and initramfs cache is shared with this checkout.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d /tmp/lvsctl-clone.XXXXXX)
trap 'rm -rf "$clone"' EXIT
(cd "$top" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$clone"
cd "$clone"
make -s build
go test -c -tags e2e -o bin/e2e.test ./e2e
go test -c -tags e2e -o bin/ipvsctl-e2e.test ./ipvsctl/netlink
LAB_CACHE=${LAB_CACHE:-$top/.cache/lab} TESTS='^TestTrafficPersistence$' E2E_SHARDS=1 bash e2e/run.sh
