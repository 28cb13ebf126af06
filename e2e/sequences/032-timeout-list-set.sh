run ipvsadm -L --timeout
run ipvsadm --set 100 20 30
run ipvsadm -L --timeout
run ipvsadm --set 0 0 0
run ipvsadm -L --timeout
run ipvsadm --set 1 2
run ipvsadm --set 1 2 3 4
run ipvsadm --set abc 1 1
run ipvsadm --set 2678401 1 1
run ipvsadm --set 2147483647 1 1
run ipvsadm --set 900 -1 300
run ipvsadm --set
run ipvsadm -L -n --timeout --stats
run ipvsadm -L --timeout -t 192.0.2.1:80
