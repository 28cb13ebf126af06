run ipvsadm -A -t 192.0.2.30:80 -p
run ipvsadm -A -t 192.0.2.30:81 -p 1
run ipvsadm -A -t 192.0.2.30:82 -p 2678400
run ipvsadm -A -t 192.0.2.30:83 -p 2678401
run ipvsadm -A -t 192.0.2.30:84 -p 0
run ipvsadm -A -t 192.0.2.30:85 -p abc
run ipvsadm -A -t 192.0.2.30:86 -p 12abc
run ipvsadm -A -t 192.0.2.30:87 -p -s rr
run ipvsadm -A -t 192.0.2.30:88 -p100
run ipvsadm -A -t 192.0.2.30:89 -s rr -p
run ipvsadm -A -t 192.0.2.30:90 -p -1
run ipvsadm -A -t 192.0.2.30:91 --persistent=50
run ipvsadm -A -t 192.0.2.30:92 --persistent 60
run ipvsadm -A -t 192.0.2.30:93 -p 4294967295
run ipvsadm -Ln
run ipvsadm -Sn
