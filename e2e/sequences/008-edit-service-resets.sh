run ipvsadm -A -t 192.0.2.40:80 -s rr -p 600 -M 255.255.0.0
run ipvsadm -E -t 192.0.2.40:80 -s wrr
run ipvsadm -Ln
run ipvsadm -E -t 192.0.2.40:80 -p 500
run ipvsadm -Ln
run ipvsadm -E -t 192.0.2.41:80 -s rr
run ipvsadm -E -t 192.0.2.40:80 -s nosuch
run ipvsadm -Sn
