run ipvsadm -A -t 192.0.2.80:80
run ipvsadm -a -t 192.0.2.80:80 -r 10.10.1.2 -m -w 5 -x 100 -y 10
run ipvsadm -L -n --thresholds
run ipvsadm -e -t 192.0.2.80:80 -r 10.10.1.2
run ipvsadm -Ln
run ipvsadm -L -n --thresholds
run ipvsadm -e -t 192.0.2.80:80 -r 10.10.1.3 -w 2
run ipvsadm -e -t 192.0.2.81:80 -r 10.10.1.2 -w 2
run ipvsadm -e -t 192.0.2.80:80 -w 2
