#!/bin/bash
# make fuzz-short (part of make test) and make fuzz: every Go fuzz target
# (func FuzzX in a _test.go file) of the packages given, or of the whole
# module, for DURATION each. `go test -fuzz` runs one target at a time, so
# the targets are listed with `go test -list` and run one after the other;
# a new target is picked up by itself, nothing to register.
#
#   e2e/fuzz.sh DURATION [PACKAGE...]     e.g. e2e/fuzz.sh 3s ./checks
#
# An input that fails is written by go test to PACKAGE/testdata/fuzz/FuzzX/
# (commit it with the fix: plain `go test` runs it from then on). Exit 1
# if any target failed, after running them all.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
duration=${1:?usage: fuzz.sh DURATION [PACKAGE...]}
shift
if (($#)); then
	pkgs=("$@")
else
	# Only the packages with a fuzz target: listing compiles each.
	mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
fi
# go test -list prints a package's tests, then "ok<TAB>IMPORTPATH<TAB>...".
list=$("$GO" test -list '^Fuzz' "${pkgs[@]}")
mapfile -t targets < <(awk '/^Fuzz/ { t[n++] = $1; next } /^ok/ { for (i = 0; i < n; i++) print $2, t[i]; n = 0 }' <<<"$list")
((${#targets[@]})) || { echo "fuzz: no fuzz targets in ${pkgs[*]}" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
start=$SECONDS
for pt in "${targets[@]}"; do
	read -r pkg target <<<"$pt"
	echo "fuzz: $target ($pkg) for $duration"
	if "$GO" test -run '^$' -fuzz "^$target\$" -fuzztime "$duration" "$pkg" >"$log" 2>&1; then
		continue
	fi
	# Go 1.26's fuzz coordinator can report its own -fuzztime deadline,
	# reached while a worker is busy (a loaded machine), as the target's
	# failure: "context deadline exceeded" and no failing input. The
	# fuzzing itself ran its time and found nothing.
	why=$(awk -v t="--- FAIL: $target " 'index($0, t) == 1 { getline; print; exit }' "$log")
	if [[ $why == "    context deadline exceeded" ]] && ! grep -q 'Failing input written' "$log"; then
		echo "fuzz: $target: the coordinator reported its own deadline as a failure (no failing input): ignored"
		continue
	fi
	cat "$log" >&2
	failed+=("$target ($pkg)")
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - start)) s"
if ((${#failed[@]})); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
