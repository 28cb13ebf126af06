run ipvsadm -nL
run ipvsadm -n -L
run ipvsadm --numeric --list
run ipvsadm -n
run ipvsadm -c
run ipvsadm --timeout
run ipvsadm -X
run ipvsadm --foo
run ipvsadm extra-word
run ipvsadm junk -L -n
run ipvsadm -t 192.0.2.1:80 -A
run ipvsadm --add-ser -t 192.0.2.1:80
run ipvsadm --lis
run ipvsadm
