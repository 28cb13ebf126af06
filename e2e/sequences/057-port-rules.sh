run ipvsadm -A -t 192.0.2.3:80
run ipvsadm -a -t 192.0.2.3:80 -r 10.10.1.2:8080 -g
run ipvsadm -a -t 192.0.2.3:80 -r 10.10.1.3:8080 -i
run ipvsadm -a -t 192.0.2.3:80 -r 10.10.1.4:8080 -m
run ipvsadm -A -t 192.0.2.3:0 -p
run ipvsadm -a -t 192.0.2.3:0 -r 10.10.1.5:8080 -g
run ipvsadm -a -t 192.0.2.3:0 -r 10.10.1.6 -g
run ipvsadm -A -f 12
run ipvsadm -a -f 12 -r 10.10.1.7:8080 -g
run ipvsadm -a -r 10.10.1.8 -t 192.0.2.3:80 -m
run ipvsadm -Sn
