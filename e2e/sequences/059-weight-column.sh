run ipvsadm -A -t 192.0.2.4:80
run ipvsadm -a -t 192.0.2.4:80 -r 10.10.1.2 -w 2147483647
run ipvsadm -a -t 192.0.2.4:80 -r 10.10.1.3 -w 1234567
run ipvsadm -Ln
run ipvsadm -L -n --persistent-conn
run ipvsadm -L -n --tun-info
