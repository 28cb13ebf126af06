run ipvsadm -A -t 192.0.2.8:80
run ipvsadm -l
run ipvsadm -ln
run ipvsadm --list -t 192.0.2.8:80 -n
run ipvsadm -lcn
