run ipvsadm -A -t 127.0.0.1:80 -s rr
run ipvsadm -a -t 127.0.0.1:80 -r 127.0.0.1:8080 -m
ipvsadm -S > /tmp/saved-names.$$
run ipvsadm -C
run ipvsadm -R < /tmp/saved-names.$$
run ipvsadm -Sn
