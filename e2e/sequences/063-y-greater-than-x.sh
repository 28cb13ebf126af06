run ipvsadm -A -t 192.0.2.6:80
run ipvsadm -a -t 192.0.2.6:80 -r 10.10.1.2 -y 10
run ipvsadm -a -t 192.0.2.6:80 -r 10.10.1.3 -x 5 -y 10
run ipvsadm -a -t 192.0.2.6:80 -r 10.10.1.4 -x 10 -y 10
run ipvsadm -L -n --thresholds
