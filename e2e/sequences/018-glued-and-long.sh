run ipvsadm -A -t192.0.2.100:80 -srr
run ipvsadm -a -t 192.0.2.100:80 -r10.10.1.2 -mw 3
run ipvsadm -a -t 192.0.2.100:80 -r 10.10.1.3 -gw3
run ipvsadm --add-service --tcp-service=192.0.2.101:80 --scheduler=wrr
run ipvsadm --add-server --tcp-service 192.0.2.101:80 --real-server 10.10.1.4 --masquerading --weight 4
run ipvsadm -Ln
run ipvsadm -L -- -n
run ipvsadm -Ln --
