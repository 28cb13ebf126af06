run ipvsadm -A -t 192.0.2.1:80 -s rr
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -g -w 1
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.3:80 -m -w 3
run ipvsadm -Ln
run ipvsadm -L -n
run ipvsadm -l -n
run ipvsadm --list --numeric
run ipvsadm -Sn
run ipvsadm -S -n
run ipvsadm --save --numeric
