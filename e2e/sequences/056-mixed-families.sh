run ipvsadm -A -t '[2001:db8::30]:80'
run ipvsadm -a -t '[2001:db8::30]:80' -r 10.10.1.2 -m
run ipvsadm -a -t '[2001:db8::30]:80' -r 10.10.1.2 -g
run ipvsadm -a -t '[2001:db8::30]:80' -r 10.10.1.2 -i
run ipvsadm -A -t 192.0.2.2:80
run ipvsadm -a -t 192.0.2.2:80 -r '[2001:db8::31]:80' -m
run ipvsadm -a -t 192.0.2.2:80 -r '[2001:db8::31]:80' -i
run ipvsadm -Ln
run ipvsadm -L -n --tun-info
