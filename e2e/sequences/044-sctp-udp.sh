run ipvsadm -A --sctp-service 192.0.2.240:3868 -s rr
run ipvsadm -a --sctp-service 192.0.2.240:3868 -r 10.10.1.2
run ipvsadm -A -u 192.0.2.240:53 -s rr
run ipvsadm -a -u 192.0.2.240:53 -r 10.10.1.3 -m
run ipvsadm -A -t 192.0.2.240:53
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -L -n --sctp-service 192.0.2.240:3868
