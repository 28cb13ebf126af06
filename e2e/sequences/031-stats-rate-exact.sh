run ipvsadm -A -t 192.0.2.140:80 -s rr
run ipvsadm -a -t 192.0.2.140:80 -r 10.10.1.2
run ipvsadm -A -u 192.0.2.140:53
run ipvsadm -L -n --stats
run ipvsadm -L -n --rate
run ipvsadm -L -n --stats --exact
run ipvsadm -L -n --rate --exact
run ipvsadm -L -n --stats --rate
run ipvsadm -L -n --rate --stats
run ipvsadm -L -n --exact
run ipvsadm -L --stats
