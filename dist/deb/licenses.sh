#!/bin/sh
# licenses.sh BINARY... DIR: the Go modules linked into the BINARYs (as the
# toolchain recorded them) and Go's standard library, listed in DIR/MODULES with their versions, and
# each module's licence and notice files copied to DIR/MODULE/. The
# package build runs it so that /usr/share/doc/lvsctl says what the static
# binaries (lvsctl, lvsctl-bgp) contain.
set -eu
dir=$(eval echo "\${$#}")
bins=
while [ $# -gt 1 ]; do bins="$bins $1"; shift; done
bin=$(echo $bins | cut -d' ' -f1)
mkdir -p "$dir"
# shellcheck disable=SC2086
go version -m $bins | awk '$1 == "dep" || $1 == "=>" { print $2 "@" $3 }' |
	sort -u >"$dir/MODULES"
while IFS= read -r mod; do
	src=$(go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$src" ] || { echo "licenses.sh: no source for $mod" >&2; exit 1; }
	dst=$dir/${mod%@*}
	found=
	for f in "$src"/LICENSE* "$src"/LICENCE* "$src"/COPYING* "$src"/NOTICE* "$src"/PATENTS; do
		[ -f "$f" ] || continue
		mkdir -p "$dst"
		cp "$f" "$dst/"
		found=1
	done
	[ -n "$found" ] || { echo "licenses.sh: $mod has no licence file" >&2; exit 1; }
done <"$dir/MODULES"
# The Go runtime and standard library are linked too.
mkdir -p "$dir/go"
cp "$(go env GOROOT)/LICENSE" "$dir/go/"
go version "$bin" | awk '{ print "go (runtime and standard library)@" $2 }' >>"$dir/MODULES"
