run ipvsadm -A -t localhost:www -s rr
run ipvsadm -A -t localhost:http
run ipvsadm -A -t 127.0.0.1:https
run ipvsadm -A -u 127.0.0.1:domain
run ipvsadm -A -t 127.0.0.1:8080
run ipvsadm -A -t 127.0.0.1:ssh
run ipvsadm -A -t 192.0.2.120:telnet
run ipvsadm -A -t 192.0.2.120:ftp
run ipvsadm -A -u 192.0.2.120:sip
run ipvsadm -a -t localhost:http -r 127.0.0.1:http -m
run ipvsadm -L
run ipvsadm -S
run ipvsadm -Sn
run ipvsadm -L -t localhost:http
