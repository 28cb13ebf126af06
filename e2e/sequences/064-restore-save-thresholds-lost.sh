run ipvsadm -A -t 192.0.2.7:80
run ipvsadm -a -t 192.0.2.7:80 -r 10.10.1.2 -x 100 -y 10
ipvsadm -Sn > /tmp/th.$$
run ipvsadm -C
run ipvsadm -R < /tmp/th.$$
run ipvsadm -L -n --thresholds
