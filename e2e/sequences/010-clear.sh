run ipvsadm -A -t 192.0.2.60:80
run ipvsadm -A -u 192.0.2.60:53
run ipvsadm -A -f 7
run ipvsadm -C
run ipvsadm -Ln
run ipvsadm --clear
run ipvsadm -C -n
run ipvsadm -C -t 192.0.2.60:80
