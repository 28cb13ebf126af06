#!/usr/bin/env bash
# make deb: lvsctl_VERSION_ARCH.deb and lvsctl-dropin_VERSION_all.deb in
# the top directory, built by dpkg-buildpackage (debian/) from a copy of
# the tree: the tracked files plus untracked ones git does not ignore, as
# they are in the work tree, with debian/changelog and dist/version.stamp
# written from git (dist/version.sh), so the copy needs no .git.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export PATH=$PATH:/usr/local/go/bin

log() { printf 'deb: %s\n' "$*" >&2; }

# Debian's tools for the build, as e2e/lab/lab.sh installs the lab's.
missing=()
for p in dpkg-dev debhelper; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

read -r version commit date modified < <(sh "$top/dist/version.sh")
stage=$(mktemp -d "${TMPDIR:-/var/tmp}/lvsctl-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
src=$stage/lvsctl-$version
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
		tar --null --no-recursion -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude=./.cache --exclude=./bin --exclude=./e2e/out -cf - .) | tar -xf - -C "$src"
fi
echo "$version $commit $date $modified" >"$src/dist/version.stamp"

# One entry: this build. The date is the commit's (or SOURCE_DATE_EPOCH),
# which dpkg-buildpackage turns back into SOURCE_DATE_EPOCH.
when=$(date -u -R -d "${date/#-/now}")
{
	echo "lvsctl ($version) unstable; urgency=medium"
	echo
	if [[ $commit != - && $modified == true ]]; then
		echo "  * Built from commit $commit with local changes."
	elif [[ $commit != - ]]; then
		echo "  * Built from commit $commit."
	else
		echo "  * Built from a tree without git history."
	fi
	echo
	echo " -- $(sed -n 's/^Maintainer: //p' "$src/debian/control")  $when"
} >"$src/debian/changelog"

log "building $version"
(cd "$src" && dpkg-buildpackage -b -us -uc >"$stage/build.log" 2>&1) || {
	tail -n 40 "$stage/build.log" >&2
	exit 1
}
rm -f "$top"/lvsctl_*.deb "$top"/lvsctl-dropin_*.deb
cp "$stage"/lvsctl_"$version"_*.deb "$stage"/lvsctl-dropin_"$version"_all.deb "$top/"
ls "$top"/lvsctl_*.deb "$top"/lvsctl-dropin_*.deb
