run ipvsadm -A -t 192.0.2.1:80 -s
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -w
run ipvsadm -A -t
run ipvsadm -A -u
run ipvsadm -A -f
run ipvsadm -A -t 192.0.2.1:80 --pe
run ipvsadm -A -t 192.0.2.1:80 -M
