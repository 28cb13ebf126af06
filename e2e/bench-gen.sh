# Sourced: generators for the benchmark tables.
# gen_rules N: N rules in ipvsadm -S -n form, services of 4 reals each
# (N/5 services), mixed schedulers and persistence.
gen_rules() {
	awk -v n="$1" 'BEGIN {
		split("rr wrr lc wlc sh mh sed nq", sched, " ")
		svcs = int(n / 5)
		for (i = 0; i < svcs; i++) {
			a = int(i / 250); b = i % 250 + 1
			vip = sprintf("10.%d.%d.%d:%d", 100 + int(a / 250), a % 250, b, 80 + i % 3)
			line = sprintf("-A -t %s -s %s", vip, sched[i % 8 + 1])
			if (i % 3 == 0) line = line sprintf(" -p %d", 60 + i % 600)
			if (i % 6 == 0) line = line " -M 255.255.255.0"
			print line
			for (r = 1; r <= 4; r++)
				printf "-a -t %s -r 172.%d.%d.%d:8080 -m -w %d\n", vip, 16 + r, a % 250, b, r
		}
	}'
}

# gen_conns N: a /proc/net/ip_vs_conn with N entries (every 10th a
# persistence template).
gen_conns() {
	awk -v n="$1" 'BEGIN {
		print "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData"
		for (i = 0; i < n; i++) {
			c = 3221225984 + i % 65000
			port = (i % 10 == 0) ? 0 : 1024 + i % 60000
			st = (i % 10 == 0) ? "NONE" : ((i % 3) ? "ESTABLISHED" : "TIME_WAIT")
			printf "TCP %08X %04X %08X %04X %08X %04X %-11s %7u\n", c, port, 3221226084, 80, 168427778 + i % 4, 80, st, i % 900
		}
	}'
}
