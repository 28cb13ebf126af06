run ipvsadm -A -t 192.0.2.10:80 -p 3600 -s wrr -M 255.255.255.0
run ipvsadm -a -t 192.0.2.10:80 -r 10.10.1.2 -g -w 1
run ipvsadm -a -t 192.0.2.10:80 -r 10.10.1.3 -g -w 2
run ipvsadm -Ln
run ipvsadm -Sn
