run ipvsadm -A -t 192.0.2.5:80
run ipvsadm -e -t 192.0.2.5:80 -r 10.10.1.2
run ipvsadm -a -t 192.0.2.5:80 -r 10.10.1.2 -m
run ipvsadm -e -t 192.0.2.5:80 -r 10.10.1.2 -g -w 4
run ipvsadm -Ln
