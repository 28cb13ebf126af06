#!/bin/bash
# What linking GoBGP costs a process that does not use it: lvsctl as is
# ("before") against lvsctl with internal/bgp linked ("after", the
# e2e/linkcost command): binary size, init, `lvsctl -h` peak RSS, and an
# idle daemon's RSS and start, ROUNDS rounds in the lab.
#   bash e2e/bgp-link-cost.sh [ROUNDS]     (host: builds, boots the lab)
# Prints one line per binary and round.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${LAB:-}" ]]; then
	mkdir -p "$top/e2e/out"
	out=$(mktemp -d "$top/e2e/out/linkcost.XXXXXX")
	(cd "$top" && go build -o "$out/before" ./cmd/lvsctl && go build -o "$out/after" ./e2e/linkcost)
	printf 'export ROUNDS=%s B=%s\nexec bash %s/e2e/bgp-link-cost.sh\n' "${1:-3}" "$out" "$top" >"$out/script.sh"
	rc=0
	bash "$top/e2e/lab/lab.sh" run "$out/script.sh" "$out" || rc=$?
	cat "$out/log"
	exit $rc
fi
# In the guest: binaries from the tmpfs, like the daemon bench.
mkdir -p /tmp/m /tmp/www
for b in before after; do
	mkdir -p /tmp/m/$b
	cp "$B/$b" /tmp/m/$b/lvsctl
	ln -sf /tmp/m/$b/lvsctl /tmp/m/$b/ldirectord
done
echo ok >/tmp/www/index.html
busybox httpd -p 127.0.0.1:8080 -h /tmp/www
cat >/etc/ha.d/small.cf <<CF
checkinterval=2
checktimeout=2
logfile="/var/log/ld-small.log"
virtual=192.0.2.50:80
	real=127.0.0.1:8080 masq 1
	real=127.0.0.2:8080 masq 1
	checktype=connect
	scheduler=wrr
CF
status() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
for round in $(seq "${ROUNDS:-3}"); do
	for b in before after; do
		L=/tmp/m/$b/lvsctl
		h=$(for i in $(seq 20); do /usr/bin/time -f "%M" "$L" -h 2>&1 >/dev/null | tail -1; done | sort -n | awk '{m[NR]=$1} END {print m[int((NR+1)/2)]}')
		init=$(GODEBUG=inittrace=1 "$L" -h 2>&1 >/dev/null | awk '/^init/ {ms+=$5; by+=$8; n++} END {printf "%d pkgs %.1f ms %d bytes", n, ms, by}')
		/usr/sbin/ipvsadm -C
		t0=$(date +%s%N)
		/tmp/m/$b/ldirectord /etc/ha.d/small.cf start >/dev/null 2>&1
		t1=$(date +%s%N)
		pid=$(cat /var/run/ldirectord.small.cf.pid)
		sleep 10
		rss=$(for i in $(seq 10); do status "$pid" VmRSS; sleep 1; done | sort -n | awk '{x[NR]=$1} END {print x[int((NR+1)/2)]}')
		printf 'round %s %-6s size %s; init %s; -h peak RSS %s kB; daemon start %d ms, RSS %s kB (anon %s, file %s, shmem %s)\n' \
			"$round" "$b" "$(stat -c %s "$L")" "$init" "$h" $(((t1 - t0) / 1000000)) "$rss" \
			"$(status "$pid" RssAnon)" "$(status "$pid" RssFile)" "$(status "$pid" RssShmem)"
		/tmp/m/$b/ldirectord /etc/ha.d/small.cf stop >/dev/null 2>&1
	done
done
