run ipvsadm -A -t 192.0.2.130:80 -s rr
run ipvsadm -a -t 192.0.2.130:80 -r 10.10.1.2
run ipvsadm -L -n -t 192.0.2.130:80
run ipvsadm -L -n -t 192.0.2.131:80
run ipvsadm -L -n -u 192.0.2.130:80
run ipvsadm -L -n -f 99
run ipvsadm -L -n -t 192.0.2.130:80 --stats
run ipvsadm -L -n -t 192.0.2.130:80 --rate
run ipvsadm -S -n -t 192.0.2.130:80
