run ipvsadm -A -s rr
run ipvsadm -E -s rr
run ipvsadm -D
run ipvsadm -a -r 10.10.1.2
run ipvsadm -e -r 10.10.1.2
run ipvsadm -d -r 10.10.1.2
run ipvsadm -a -t 192.0.2.1:80
run ipvsadm -e -t 192.0.2.1:80
run ipvsadm -d -t 192.0.2.1:80
