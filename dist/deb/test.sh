#!/usr/bin/env bash
# make deb-test: the packages, built as make deb builds them, installed into
# fresh Debian 12 roots made by mmdebstrap from the Debian mirror this
# machine's apt uses, and removed again.
#
#   with     Debian's ipvsadm and ldirectord first, then lvsctl and
#            lvsctl-dropin: Debian's files diverted, our links in place,
#            Debian's packages reinstalled (an upgrade) while diverted,
#            then ours removed and purged: Debian's files back, byte for
#            byte, no diversion left, no file left.
#   without  ours alone, purged again without a trace; then ours first and
#            Debian's after, and lvsctl-dropin removed: Debian's in place.
#
# `ipvsadm -h` needs IPVS in the kernel (ipvsadm 1.31 asks the kernel
# before it reads its options), which this machine lacks: one lab VM
# (e2e/lab/lab.sh) runs it in the roots, Debian's before the diversion and
# lvsctl's after, and the outputs must be the same bytes.
#
# The base root (Debian 12 with the packages ldirectord depends on, but
# not ipvsadm and ldirectord themselves, whose .debs are kept beside it)
# is cached in .cache/deb and made again when the mirror or the package
# list changes; the roots of a run are copies, under .cache/deb/work (the
# lab's guest sees the checkout, not /tmp).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/dist/deb
cache=${DEB_CACHE:-$top/.cache/deb}
work=$cache/work
start=$SECONDS

log() { printf 'deb-test: %3ds %s\n' $((SECONDS - start)) "$*" >&2; }
fail() { printf 'deb-test: FAIL: %s\n' "$*" >&2; exit 1; }
in_root() { local r=$1; shift; chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }
# Every path in a root but the package manager's own records and logs.
files() {
	(cd "$1" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/log \
		-o -path ./var/cache -o -path ./tmp -o -path ./run \) -prune -o -print | sort)
}
same_files() {
	diff <(files "$1") <(files "$2") >"$work/files.diff" ||
		fail "$3: files differ from before (< before, > after):$(printf '\n%s' "$(head -n 40 "$work/files.diff")")"
}
diversions() { in_root "$1" dpkg-divert --list 'lvsctl-dropin' | LC_ALL=C sort; }
# Debian's files that lvsctl-dropin takes over, and where it puts them.
taken=(usr/sbin/ipvsadm usr/sbin/ldirectord usr/share/man/man8/ipvsadm.8.gz usr/share/man/man8/ldirectord.8.gz)
declare -A aside=(
	[usr/sbin/ipvsadm]=usr/sbin/ipvsadm.distrib [usr/sbin/ldirectord]=usr/sbin/ldirectord.distrib
	[usr/share/man/man8/ipvsadm.8.gz]=usr/share/man/man8/ipvsadm.distrib.8.gz
	[usr/share/man/man8/ldirectord.8.gz]=usr/share/man/man8/ldirectord.distrib.8.gz)
declare -A ourlink=(
	[usr/sbin/ipvsadm]=lvsctl [usr/sbin/ldirectord]=lvsctl
	[usr/share/man/man8/ipvsadm.8.gz]=lvsctl-ipvsadm.8.gz
	[usr/share/man/man8/ldirectord.8.gz]=lvsctl-ldirectord.8.gz)

# mmdebstrap here, and the package build's tools (dist/deb/build.sh), at
# once: the build then runs beside the making of the root.
missing=()
for p in mmdebstrap dpkg-dev debhelper; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"
log "building the packages (make deb) in the background"
bash "$here/build.sh" >"$cache/build.log" 2>&1 &
build=$!
trap 'kill $build 2>/dev/null || true' EXIT

# Debian's suites for bookworm that apt uses here, as sources.list lines.
sources=$(apt-get indextargets --format '$(ORIGIN)|$(TARGET_OF)|$(REPO_URI)|$(RELEASE)|$(COMPONENT)' |
	awk -F'|' '$1 == "Debian" && $2 == "deb" && $4 ~ /^bookworm/ { print "deb " $3 " " $4 " " $5 }' | sort -u)
[[ -n "$sources" ]] || fail "apt knows no Debian bookworm mirror (apt-get update?)"
# What the cached root is made of: change it when the recipe below changes.
recipe="bookworm variant=apt include=ipvsadm,ldirectord then purged; policy-rc.d 101"
key=$(printf '%s\n%s\n' "$sources" "$recipe" | sha256sum | cut -d' ' -f1)
base=$cache/bookworm
if [[ "$(cat "$cache/bookworm.key" 2>/dev/null)" != "$key" || ! -d "$base" ]]; then
	log "making a Debian 12 root with mmdebstrap"
	rm -rf "$base" "$base.new" "$cache/debian"
	mkdir -p "$cache/debian"
	# ipvsadm and ldirectord bring their dependencies, then go again; their
	# .debs stay for the runs to install.
	mmdebstrap --quiet --variant=apt --include=ipvsadm,ldirectord \
		--customize-hook="cp \"\$1\"/var/cache/apt/archives/ipvsadm_*.deb \"\$1\"/var/cache/apt/archives/ldirectord_*.deb '$cache/debian/'" \
		--customize-hook='chroot "$1" dpkg --purge ldirectord ipvsadm >/dev/null 2>&1' \
		bookworm "$base.new" - <<<"$sources"
	# No service starts in a root that is no running system.
	printf '#!/bin/sh\nexit 101\n' >"$base.new/usr/sbin/policy-rc.d"
	chmod 755 "$base.new/usr/sbin/policy-rc.d"
	mv "$base.new" "$base"
	echo "$key" >"$cache/bookworm.key"
	log "cached in $base"
fi
wait $build || { cat "$cache/build.log" >&2; fail "the package build failed"; }
trap - EXIT
log "$(grep -c '\.deb$' "$cache/build.log") packages built"
shopt -s nullglob
debs=("$top"/lvsctl_*.deb "$top"/lvsctl-dropin_*.deb)
((${#debs[@]} == 2)) || fail "want one lvsctl and one lvsctl-dropin .deb in $top, found: ${debs[*]}"
version=$(dpkg-deb -f "${debs[0]}" Version)
debian_debs=("$cache"/debian/ipvsadm_*.deb "$cache"/debian/ldirectord_*.deb)
((${#debian_debs[@]} == 2)) || fail "Debian's ipvsadm and ldirectord .debs missing from $cache/debian"

rm -rf "$work"
mkdir -p "$work"
for r in with without; do
	cp -a "$base" "$work/$r"
	mkdir -p "$work/$r/tmp/debs"
	cp "${debs[@]}" "${debian_debs[@]}" "$here/example.cf" "$work/$r/tmp/debs/"
done
ours=(/tmp/debs/"${debs[0]##*/}" /tmp/debs/"${debs[1]##*/}")
theirs=(/tmp/debs/"${debian_debs[0]##*/}" /tmp/debs/"${debian_debs[1]##*/}")
apt_install() { in_root "$1" apt-get install -y -qq --no-install-recommends "${@:2}" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get install ${*:2} in $1"; }; }
dpkg_do() { in_root "$1" dpkg "${@:2}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg ${*:2} in $1"; }; }

# Our links in place of Debian's names, and the diversions of both names
# of each program and of the man pages (see debian/lvsctl-dropin.preinst).
want_diversions="diversion of /sbin/ipvsadm to /sbin/ipvsadm.distrib by lvsctl-dropin
diversion of /sbin/ldirectord to /sbin/ldirectord.distrib by lvsctl-dropin
diversion of /usr/sbin/ipvsadm to /usr/sbin/ipvsadm.distrib by lvsctl-dropin
diversion of /usr/sbin/ldirectord to /usr/sbin/ldirectord.distrib by lvsctl-dropin
diversion of /usr/share/man/man8/ipvsadm.8.gz to /usr/share/man/man8/ipvsadm.distrib.8.gz by lvsctl-dropin
diversion of /usr/share/man/man8/ldirectord.8.gz to /usr/share/man/man8/ldirectord.distrib.8.gz by lvsctl-dropin"
check_ours() {
	local r=$1 f
	for f in "${taken[@]}"; do
		[[ "$(readlink "$r/$f")" == "${ourlink[$f]}" && -e "$r/$f" ]] ||
			fail "$r: /$f is not our link to ${ourlink[$f]}: $(ls -l "$r/$f")"
	done
	[[ "$(diversions "$r")" == "$want_diversions" ]] || fail "$r: diversions:$(printf '\n%s' "$(diversions "$r")")"
	# The BGP speaker where the daemon looks for it.
	[[ -x "$r/usr/libexec/lvsctl/lvsctl-bgp" ]] || fail "$r: no /usr/libexec/lvsctl/lvsctl-bgp"
	# ldirectord --check of the example: the table in ipvsadm -S -n form,
	# the summary on stderr
	in_root "$r" /usr/sbin/ldirectord --check /tmp/debs/example.cf >"$work/check.out" 2>"$work/check.err" ||
		fail "$r: ldirectord --check exited $?: $(cat "$work/check.err")"
	cmp -s "$work/check.out" "$here/example.table" ||
		fail "$r: ldirectord --check printed$(printf '\n%s' "$(cat "$work/check.out")")"
	grep -q '^/tmp/debs/example.cf: OK, ' "$work/check.err" ||
		fail "$r: ldirectord --check's summary:$(printf '\n%s' "$(cat "$work/check.err")")"
	# the installed binary says which lvsctl it is: the package's version
	local said
	said=$(in_root "$r" /usr/sbin/lvsctl version | head -n 1)
	[[ "$said" == "lvsctl $version" ]] || fail "$r: lvsctl version says '$said', the package is $version"
	[[ "$(in_root "$r" /usr/sbin/lvsctl --version | head -n 1)" == "lvsctl $version" ]] ||
		fail "$r: lvsctl --version is not lvsctl version"
	# completion scripts of the three names
	for f in bash-completion/completions/{lvsctl,ipvsadm,ldirectord} zsh/vendor-completions/_{lvsctl,ipvsadm,ldirectord} \
		fish/vendor_completions.d/{lvsctl,ipvsadm,ldirectord}.fish; do
		[[ -s "$r/usr/share/$f" ]] || fail "$r: no /usr/share/$f"
	done
	[[ "$(in_root "$r" dpkg-query -W -f='${Version} ' lvsctl lvsctl-dropin)" == "$version $version " ]] ||
		fail "$r: installed versions are not $version"
}
# Debian's files set aside, as they were.
check_aside() {
	local r=$1 what=$2 f
	for f in "${taken[@]}"; do
		[[ -f "$r/${aside[$f]}" && "$(sum "$r/${aside[$f]}")" == "${debsum[$f]}" ]] ||
			fail "$r ($what): /${aside[$f]} is not Debian's /$f"
	done
}
check_debians() {
	local r=$1 what=$2 f
	for f in "${taken[@]}"; do
		[[ -f "$r/$f" && ! -L "$r/$f" ]] || fail "$r ($what): /$f is not Debian's file"
		[[ "$(sum "$r/$f")" == "${debsum[$f]}" ]] || fail "$r ($what): /$f is not Debian's"
		[[ ! -e "$r/${aside[$f]}" ]] || fail "$r ($what): /${aside[$f]} left"
	done
	[[ -z "$(diversions "$r")" ]] || fail "$r ($what): diversions left: $(diversions "$r")"
	in_root "$r" dpkg --verify ipvsadm ldirectord || fail "$r ($what): dpkg --verify of Debian's packages"
}

log "with: Debian's ipvsadm and ldirectord, then ours ($version)"
w=$work/with
dpkg_do "$w" -i "${theirs[@]}"
declare -A debsum
for f in "${taken[@]}"; do debsum[$f]=$(sum "$w/$f"); done
cp -a "$w" "$work/pristine"
apt_install "$w" "${ours[@]}"
check_ours "$w"
check_aside "$w" "ours installed"
# Debian's unit and the OCF agent's default run /usr/sbin/ldirectord.
grep -qx 'ExecStart=/usr/sbin/ldirectord start' "$w/lib/systemd/system/ldirectord.service" ||
	fail "with: Debian's ldirectord.service does not run /usr/sbin/ldirectord"

log "with: Debian's packages reinstalled (an upgrade) while diverted"
dpkg_do "$w" -i "${theirs[@]}"
check_ours "$w"
check_aside "$w" "Debian's upgraded"
in_root "$w" dpkg --verify ipvsadm ldirectord || fail "with: dpkg --verify of Debian's diverted packages"

log "without: ours alone"
o=$work/without
apt_install "$o" "${ours[@]}"
check_ours "$o"
for f in "${taken[@]}"; do
	[[ ! -e "$o/${aside[$f]}" ]] || fail "without: /${aside[$f]} exists"
done

log "lab: ipvsadm -h, Debian's before the diversion and lvsctl's"
mkdir -p "$work/lab"
lab=$work/lab/out
cat >"$work/lab/run.sh" <<LAB
for r in pristine with without; do
	chroot "$work/\$r" /usr/sbin/ipvsadm -h >"$lab/\$r.out" 2>&1
	echo \$? >"$lab/\$r.rc"
done
LAB
LAB_CACHE=${LAB_CACHE:-$top/.cache/lab} bash "$top/e2e/lab/lab.sh" run "$work/lab/run.sh" "$lab" ||
	fail "the lab run failed: $(tail -n 20 "$lab/log" 2>/dev/null)"
[[ "$(cat "$lab/pristine.rc")" == 0 ]] && head -n1 "$lab/pristine.out" | grep -q '^ipvsadm v1\.31 ' ||
	fail "Debian's ipvsadm -h (exit $(cat "$lab/pristine.rc")):$(printf '\n%s' "$(head -n 5 "$lab/pristine.out")")"
for r in with without; do
	[[ "$(cat "$lab/$r.rc")" == 0 ]] || fail "$r: ipvsadm -h exited $(cat "$lab/$r.rc")"
	cmp "$lab/pristine.out" "$lab/$r.out" >&2 ||
		fail "$r: lvsctl's ipvsadm -h differs from Debian's:$(printf '\n%s' "$(diff "$lab/pristine.out" "$lab/$r.out" | head -n 20)")"
done

log "with: ours removed, then purged"
apt_remove() { in_root "$1" apt-get "$2" -y -qq "${@:3}" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get $2 ${*:3} in $1"; }; }
apt_remove "$w" remove lvsctl-dropin lvsctl
check_debians "$w" "ours removed"
apt_remove "$w" purge lvsctl-dropin lvsctl
check_debians "$w" "ours purged"
[[ -z "$(in_root "$w" dpkg-query -W -f='${db:Status-Abbrev}' lvsctl lvsctl-dropin 2>/dev/null)" ]] || fail "with: our packages still known to dpkg"
same_files "$work/pristine" "$w" "with, ours purged"

log "without: ours purged"
apt_remove "$o" purge lvsctl-dropin lvsctl
same_files "$base" "$o" "without, ours purged"

log "without: ours first, Debian's after, then lvsctl-dropin removed"
apt_install "$o" "${ours[@]}"
dpkg_do "$o" -i "${theirs[@]}"
check_ours "$o"
check_aside "$o" "Debian's after ours"
apt_remove "$o" remove lvsctl-dropin
check_debians "$o" "lvsctl-dropin removed"
[[ -x "$o/usr/sbin/lvsctl" ]] || fail "without: lvsctl went with lvsctl-dropin"

rm -rf "$work"
log "passed"
