#!/bin/sh
# Prints "VERSION COMMIT DATE MODIFIED" for this tree, the values the
# Makefile and the Debian package build stamp into the binary
# (internal/buildinfo) and the package's version:
#
#   tag vX.Y.Z on HEAD, clean tree   X.Y.Z
#   otherwise                        X.Y.Z+gitYYYYMMDD.SHA7[.dirty]
#
# X.Y.Z is the nearest tag vX.Y.Z, or base below when no tag is reachable
# (a shallow or tagless clone); YYYYMMDD is the commit's date in UTC, so
# the version sorts by history and a rebuild of a commit gives the same
# version. DATE is SOURCE_DATE_EPOCH when set, else the commit's time
# (RFC 3339, UTC); MODIFIED is true when the work tree differs from HEAD.
# Without git (the package build's copy of the tree), dist/version.stamp,
# written from a checkout by dist/deb/build.sh, holds the line.
set -eu
base=0.9.0
top=$(cd "$(dirname "$0")/.." && pwd)

rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	commit=$(git -C "$top" rev-parse HEAD)
	ctime=$(git -C "$top" log -1 --format=%ct HEAD)
	modified=false
	[ -z "$(git -C "$top" status --porcelain 2>/dev/null)" ] || modified=true
	tag=$(git -C "$top" describe --tags --match 'v[0-9]*' --abbrev=0 HEAD 2>/dev/null || true)
	if [ -n "$tag" ] && [ "$modified" = false ] &&
		git -C "$top" describe --tags --exact-match --match "$tag" HEAD >/dev/null 2>&1; then
		version=${tag#v}
	else
		version=${tag:+${tag#v}}
		version=${version:-$base}+git$(date -u -d "@$ctime" +%Y%m%d).$(printf %.7s "$commit")
		[ "$modified" = false ] || version=$version.dirty
	fi
	echo "$version $commit $(rfc3339 "${SOURCE_DATE_EPOCH:-$ctime}") $modified"
elif [ -f "$top/dist/version.stamp" ]; then
	cat "$top/dist/version.stamp"
else
	# No history: say so rather than pretend to be a release.
	date=-
	[ -z "${SOURCE_DATE_EPOCH:-}" ] || date=$(rfc3339 "$SOURCE_DATE_EPOCH")
	echo "$base+unknown - $date false"
fi
