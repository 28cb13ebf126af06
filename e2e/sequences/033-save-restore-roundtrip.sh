run ipvsadm -A -t 192.0.2.150:80 -s wrr -p 600 -M 255.255.255.0
run ipvsadm -a -t 192.0.2.150:80 -r 10.10.1.2 -g -w 3
run ipvsadm -a -t 192.0.2.150:80 -r 10.10.1.3:8080 -m -w 0
run ipvsadm -A -u 192.0.2.150:53 -s rr -o
run ipvsadm -a -u 192.0.2.150:53 -r 10.10.1.4 -i
run ipvsadm -A -f 42 -s sh -b sh-port,sh-fallback
run ipvsadm -a -f 42 -r 10.10.1.5 -g
run ipvsadm -A -t 192.0.2.151:5060 -p 60 --pe sip
run ipvsadm -Sn
ipvsadm -Sn > /tmp/saved.$$
run ipvsadm -C
run ipvsadm -R < /tmp/saved.$$
run ipvsadm -Sn
run ipvsadm -Ln
