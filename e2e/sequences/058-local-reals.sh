ip link add dummy0 type dummy; ip addr add 10.0.0.254/24 dev dummy0; ip link set dummy0 up
run ipvsadm -A -t 10.0.0.254:80
run ipvsadm -a -t 10.0.0.254:80 -r 10.0.0.254 -g
run ipvsadm -a -t 10.0.0.254:80 -r 127.0.0.1 -m
run ipvsadm -Ln
run ipvsadm -Sn
ip link del dummy0
