run ipvsadm -A -t 192.0.2.251:80
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gue
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type GUE
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type ipip --tun-port 5
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-port 5
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-csum
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gre --tun-remcsum
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -m --tun-type gre
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 --tun-type gre
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gue --tun-port 0
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gue --tun-port 70000
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gue --tun-port 6080 --tun-csum --tun-remcsum
run ipvsadm -a -t 192.0.2.251:80 -r 10.10.1.2 -i --tun-type gue --tun-port 6080 --tun-nocsum --tun-csum
run ipvsadm -Ln
