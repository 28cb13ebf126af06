run ipvsadm -A -t 192.0.2.1:80 -n
run ipvsadm -A -t 192.0.2.1:80 -r 10.10.1.2
run ipvsadm -A -t 192.0.2.1:80 -w 3
run ipvsadm -A -t 192.0.2.1:80 -c
run ipvsadm -E -t 192.0.2.1:80 -g
run ipvsadm -D -t 192.0.2.1:80 -p
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -s rr
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -p 10
run ipvsadm -e -t 192.0.2.1:80 -r 10.10.1.2 -n
run ipvsadm -d -t 192.0.2.1:80 -r 10.10.1.2 -m
run ipvsadm -S -t 192.0.2.1:80
run ipvsadm -S --stats
run ipvsadm -R -n
run ipvsadm -Z -n
run ipvsadm -L -s rr
run ipvsadm -L -r 10.10.1.2
run ipvsadm -L -w 1
run ipvsadm --set 1 2 3 -n
run ipvsadm -A -t 192.0.2.1:80 --syncid 3
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -b sh-port
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -b flag-1
run ipvsadm -A -t 192.0.2.1:80 --tun-type ipip
