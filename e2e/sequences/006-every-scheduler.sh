port=1
for s in rr wrr lc wlc lblc lblcr dh sh sed nq mh fo ovf; do
	run ipvsadm -A -t 192.0.2.20:$port -s $s
	port=$((port+1))
done
run ipvsadm -A -u 192.0.2.20:53 -s mh
run ipvsadm -A -t 192.0.2.20:99 -s bogus
run ipvsadm -A -t 192.0.2.20:98 -s RR
run ipvsadm -A -t 192.0.2.20:97 -s ''
run ipvsadm -Ln
run ipvsadm -Sn
