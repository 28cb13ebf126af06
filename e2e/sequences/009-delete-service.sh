run ipvsadm -A -t 192.0.2.50:80
run ipvsadm -a -t 192.0.2.50:80 -r 10.10.1.2
run ipvsadm -D -t 192.0.2.50:80
run ipvsadm -D -t 192.0.2.50:80
run ipvsadm -D -u 192.0.2.50:80
run ipvsadm -D -t 192.0.2.50:80 -s rr
run ipvsadm -D
run ipvsadm -Ln
