run ipvsadm -A -t 192.0.2.1:80 -s rr -s wrr
run ipvsadm -A -t 192.0.2.1:80 -p 10 -p 20
run ipvsadm -A -t 192.0.2.1:80 -f 1
run ipvsadm -A -t 192.0.2.1:80 -u 192.0.2.1:80
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -r 10.10.1.3
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -g -m
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -m -i
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -i -g
run ipvsadm -a -t 192.0.2.1:80 -r 10.10.1.2 -w 1 -w 2
run ipvsadm -L -n -n
run ipvsadm -A -t 192.0.2.1:80 -M 255.0.0.0 -M 255.255.0.0 -p
