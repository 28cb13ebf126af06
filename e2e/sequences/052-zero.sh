run ipvsadm -A -t 192.0.2.253:80
run ipvsadm -A -u 192.0.2.253:53
run ipvsadm -Z
run ipvsadm -Z -t 192.0.2.253:80
run ipvsadm -Z -t 192.0.2.254:80
run ipvsadm -Z -f 5
run ipvsadm --zero
run ipvsadm -L -n --stats
