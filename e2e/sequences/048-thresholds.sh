run ipvsadm -A -t 192.0.2.252:80
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.2 -x 100 -y 50
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.3 -x 65536
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.4 -x 10 -y 20
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.5 -y 5
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.6 -x -1
run ipvsadm -a -t 192.0.2.252:80 -r 10.10.1.6 -y abc
run ipvsadm -L -n --thresholds
run ipvsadm -L -n --persistent-conn
run ipvsadm -Sn
