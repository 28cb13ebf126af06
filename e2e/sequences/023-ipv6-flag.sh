run ipvsadm -A -t 192.0.2.1:80 -6
run ipvsadm -A -6 -f 2
run ipvsadm -Ln6
run ipvsadm -A -f 2 -6
run ipvsadm -a -f 2 -6 -r '[2001:db8::2]:80' -g
run ipvsadm -A -f 3 -6 -p -M 64
run ipvsadm -A -f 4 -6 -p -M 0
run ipvsadm -A -f 5 -6 -p -M 129
run ipvsadm -A -f 6 -6 -p -M 255.255.255.0
run ipvsadm -Ln
run ipvsadm -Sn
