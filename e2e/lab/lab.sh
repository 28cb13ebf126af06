#!/usr/bin/env bash
# The lab: Debian's kernel (IPVS as modules) under QEMU/TCG, with the build
# machine's root filesystem shared read-only over 9p, so every binary here
# (go test binaries, Debian's ipvsadm and ldirectord) runs in the guest.
#
#   lab.sh prepare            install packages, fetch kernel, build initramfs
#   lab.sh run SCRIPT OUTDIR  boot, run SCRIPT (bash, in a chroot of /) with
#                             OUTDIR writable, power off; exit with SCRIPT's
#                             status, or 3 if the guest never reported one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${LAB_CACHE:-$top/.cache/lab}

modules=(virtio_pci 9p 9pnet_virtio veth nf_conntrack ip_vs
	ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh
	ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_mh ip_vs_fo ip_vs_ovf ip_vs_ftp
	ip_vs_pe_sip dummy ipip ip_gre fou sit ip6_tunnel
	nf_tables nft_compat xt_tcpudp xt_mark iptable_filter iptable_mangle
	sch_netem bridge)

log() { printf 'lab: %s\n' "$*" >&2; }

need_pkgs() {
	local missing=()
	local want=(qemu-system-x86 busybox-static kmod cpio ipvsadm iproute2 iptables
		ldirectord resource-agents perl)
	# Packages the e2e tests need beyond the lab itself (servers for the
	# health checks and the like), one per line.
	[[ -f "$top/.ci/packages.txt" ]] && want+=($(grep -v '^#' "$top/.ci/packages.txt"))
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if ((${#missing[@]})); then
		log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

kernel_version() {
	# The kernel package moves on Debian's side; ask the meta package.
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1
}

prepare() {
	need_pkgs
	mkdir -p "$cache"
	local kver
	kver=$(cat "$cache/kver" 2>/dev/null || true)
	if [[ -z "$kver" || ! -f "$cache/vmlinuz" || ! -d "$cache/kernel/lib/modules/$kver" ]]; then
		kver=$(kernel_version)
		[[ -n "$kver" ]] || { log "cannot find Debian's kernel package"; exit 1; }
		log "fetching linux-image-$kver"
		local tmp
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq "linux-image-$kver" >/dev/null)
		rm -rf "$cache/kernel"
		mkdir -p "$cache/kernel"
		dpkg-deb -x "$tmp"/linux-image-*.deb "$cache/kernel"
		rm -rf "$tmp"
		depmod -b "$cache/kernel" "$kver"
		cp "$cache/kernel/boot/vmlinuz-$kver" "$cache/vmlinuz"
		echo "$kver" >"$cache/kver"
	fi
	if [[ ! -f "$cache/initrd.gz" || "$here/init" -nt "$cache/initrd.gz" || "$here/lab.sh" -nt "$cache/initrd.gz" ]]; then
		build_initrd "$kver"
	fi
}

build_initrd() {
	local kver=$1 root
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,proc,sys,dev,host,modules}
	cp /bin/busybox "$root/bin/busybox"
	for a in sh mount umount insmod mkdir cat poweroff sleep echo ln chroot; do
		ln -s busybox "$root/bin/$a"
	done
	cp "$here/init" "$root/init"
	chmod +x "$root/init"
	: >"$root/modules/order"
	local m f
	for m in "${modules[@]}"; do
		while read -r _ f _; do
			f=${f%%[[:space:]]*}
			local base
			base=$(basename "$f")
			if ! grep -qx "$base" "$root/modules/order"; then
				cp "$f" "$root/modules/$base"
				echo "$base" >>"$root/modules/order"
			fi
		done < <(modprobe -d "$cache/kernel" -S "$kver" --show-depends "$m" | grep '^insmod')
	done
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$cache/initrd.gz"
	rm -rf "$root"
}

run() {
	local script=$1 out=$2
	# At most LAB_SLOTS VMs at once (default 2, the machine's cores): a
	# guest is emulated and eats a core; more would only slow all down.
	mkdir -p "$cache"
	local slot got=
	while [[ -z "$got" ]]; do
		for slot in $(seq 1 "${LAB_SLOTS:-2}"); do
			exec 9>"$cache/vm.$slot.lock"
			if flock -n 9; then got=$slot; break; fi
			exec 9>&-
		done
		[[ -n "$got" ]] || sleep 2
	done
	[[ -f "$cache/vmlinuz" && -f "$cache/initrd.gz" ]] || prepare
	script=$(realpath "$script")
	mkdir -p "$out"
	out=$(realpath "$out")
	rm -f "$out/rc"
	local mem=${LAB_MEM:-2048}
	# tsc=reliable: under TCG the kernel finds the vCPUs' TSCs
	# "unsynchronized" and falls back to the emulated HPET, which turns
	# every clock read (the Go runtime makes many) into a system call and
	# an emulated MMIO access. Real directors read the TSC through the
	# vDSO; LAB_KARGS= (empty) boots without it.
	timeout "${LAB_TIMEOUT:-1500}" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "${LAB_CPUS:-2}" \
		-nographic -no-reboot \
		-kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 ${LAB_KARGS-tsc=reliable} lab.script=$script lab.out=$out lab.top=$top" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
		-virtfs local,path="$out",mount_tag=results,security_model=passthrough,multidevs=remap \
		-nic none </dev/null >"$out/console.log" 2>&1 || true
	if [[ ! -f "$out/rc" ]]; then
		log "the VM did not report a result; console:"
		tail -n 40 "$out/console.log" >&2
		return 3
	fi
	return "$(cat "$out/rc")"
}

case "${1:-}" in
prepare) prepare ;;
run) shift; run "$@" ;;
*) echo "usage: $0 prepare | run SCRIPT OUTDIR" >&2; exit 2 ;;
esac
