run ipvsadm -h
run ipvsadm --help
run ipvsadm -v
run ipvsadm --version
run ipvsadm -h -n
run ipvsadm -v -t 192.0.2.1:80
run ipvsadm -hL
