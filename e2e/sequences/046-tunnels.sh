run ipvsadm -A -t 192.0.2.250:80
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.2 -i
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.3 -i --tun-type gue --tun-port 6080
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.4 -i --tun-type gue --tun-port 6080 --tun-csum
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.5 -i --tun-type gue --tun-port 6080 --tun-remcsum
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.6 -i --tun-type gre
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.7 -i --tun-type gre --tun-csum
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.8 -i --tun-type gre --tun-nocsum
run ipvsadm -a -t 192.0.2.250:80 -r 10.10.1.9 -m
run ipvsadm -Ln
run ipvsadm -L -n --tun-info
run ipvsadm -Sn
