run ipvsadm -A -f 4294967295
run ipvsadm -A -f 3
run ipvsadm -A -t 0.0.0.0:80 -s rr
run ipvsadm -A -t 255.255.255.255:80
run ipvsadm -A -t 1.2.0.3:80
run ipvsadm -A -t 192.168.10.1:80
run ipvsadm -A -t 10.9.9.9:80
run ipvsadm -A -u 10.9.9.9:80
run ipvsadm -A --sctp-service 10.9.9.9:80
run ipvsadm -A -t '[2001:db8::1]:80'
run ipvsadm -A -f 3 -6
run ipvsadm -a -t 0.0.0.0:80 -r 192.168.10.5
run ipvsadm -a -t 0.0.0.0:80 -r 10.9.9.9
run ipvsadm -a -t 0.0.0.0:80 -r 10.9.9.8
run ipvsadm -a -t 0.0.0.0:80 -r 172.16.0.1
run ipvsadm -a -t 0.0.0.0:80 -r 200.1.1.1
run ipvsadm -Ln
run ipvsadm -Ln --sort
run ipvsadm -Sn
