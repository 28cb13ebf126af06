run ipvsadm -A -D
run ipvsadm -L -C
run ipvsadm -L -L
run ipvsadm -LC
run ipvsadm -L --set 1 2 3
run ipvsadm -A -t 192.0.2.1:80 --stop-daemon master
run ipvsadm -A -t 192.0.2.1:80 -R
run ipvsadm -L -h
run ipvsadm -L -v
