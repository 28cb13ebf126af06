#!/bin/bash
# make examples (part of make test, host side): every config in examples/
# passes `lvsctl ldirectord --check` and gives the table recorded in
# testdata/examples; the keepalived pair's config passes keepalived's own
# test and its notify scripts parse.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lvsctl=$top/bin/lvsctl
fail=0
n=0
for f in "$top"/examples/*.cf; do
	name=$(basename "$f" .cf)
	want=$top/testdata/examples/$name.table
	got=$("$lvsctl" ldirectord --check "$f" 2>/dev/null) || { echo "examples: $name.cf: --check exited $?" >&2; fail=1; continue; }
	if [[ ! -f "$want" ]]; then
		echo "examples: $name.cf: no testdata/examples/$name.table" >&2; fail=1; continue
	fi
	diff -u "$want" <(printf '%s\n' "$got") >&2 || { echo "examples: $name.cf: table differs" >&2; fail=1; }
	n=$((n + 1))
done
pair=$top/examples/keepalived-pair
[[ -f $pair/keepalived.conf ]] || { echo "examples: keepalived-pair/keepalived.conf missing" >&2; exit 1; }
keepalived --config-test -f "$pair/keepalived.conf" || { echo "examples: keepalived.conf fails keepalived's test" >&2; fail=1; }
for s in "$pair"/*.sh; do sh -n "$s" || fail=1; done
((fail == 0)) && echo "examples: $n configs and the keepalived pair pass"
exit $fail
