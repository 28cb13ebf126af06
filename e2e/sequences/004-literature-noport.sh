run ipvsadm -A -t 192.0.2.11 -p 360 -s rr
run ipvsadm -a -t 192.0.2.11 -r 10.10.1.2
run ipvsadm -Ln
run ipvsadm -Sn
