run ipvsadm -A -t 192.0.2.90:80
run ipvsadm -a -t 192.0.2.90:80 -r 10.10.1.2:8080 -m
run ipvsadm -d -t 192.0.2.90:80 -r 10.10.1.2
run ipvsadm -d -t 192.0.2.90:80 -r 10.10.1.2:8080
run ipvsadm -d -t 192.0.2.90:80 -r 10.10.1.2:8080
run ipvsadm -d -t 192.0.2.91:80 -r 10.10.1.2:8080
run ipvsadm -d -t 192.0.2.90:80 -r 10.10.1.2 -w 3
run ipvsadm -Ln
