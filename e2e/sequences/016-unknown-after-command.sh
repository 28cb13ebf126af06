run ipvsadm -L --bogus
run ipvsadm -Lnq
run ipvsadm -L -nq
run ipvsadm -L -n -Q
run ipvsadm -A -t 192.0.2.1:80 --bogus=3
run ipvsadm -L --numeric=yes
