run ipvsadm -A -t 192.0.2.110:80 -p -M 24
run ipvsadm -A -t 192.0.2.110:81 -p -M 255.0.255.0
run ipvsadm -A -t 192.0.2.110:82 -M 255.255.255.0
run ipvsadm -A -t 192.0.2.110:83 -p -M bogus.invalid
run ipvsadm -A -t 192.0.2.110:84 -p -M 255.255.255.255
run ipvsadm -A -f 9 -M 64 -p
run ipvsadm -Ln
run ipvsadm -Sn
