run ipvsadm -A -t 192.0.2.12:80 -p 3600 -s -wrr
run ipvsadm -A -t 192.0.2.12:80 -s -rr
run ipvsadm -Ln
