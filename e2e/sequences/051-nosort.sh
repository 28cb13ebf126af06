run ipvsadm -A -t 10.9.9.9:80
run ipvsadm -A -t 10.1.1.1:80
run ipvsadm -a -t 10.9.9.9:80 -r 10.10.1.9
run ipvsadm -a -t 10.9.9.9:80 -r 10.10.1.1
run ipvsadm -a -t 10.9.9.9:80 -r 10.10.1.5
run ipvsadm -Ln --nosort
run ipvsadm -Ln --nosort --sort
run ipvsadm -Sn --nosort
