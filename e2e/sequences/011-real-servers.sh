run ipvsadm -A -t 192.0.2.70:80 -s wlc
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.2:8080 -g
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.3:8080 -i
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.4:8080 -m
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.5 -m -w 0
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.6 -w 2147483647
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.7 -w 65536
run ipvsadm -a -t 192.0.2.70:80 -r 10.10.1.2:8080 -g
run ipvsadm -a -t 192.0.2.71:80 -r 10.10.1.2
run ipvsadm -Ln
run ipvsadm -Sn
