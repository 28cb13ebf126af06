run ipvsadm -A -f 1 -s wlc -p 2000
run ipvsadm -a -f 1 -r 10.10.1.2:0 -g -w 1
run ipvsadm -a -f 1 -r 10.10.1.3 -g -w 1
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -L -n -f 1
