run ipvsadm -A -t 192.0.2.1
run ipvsadm -A -t 192.0.2.1:0
run ipvsadm -A -t 2001:db8::1:80
run ipvsadm -A -t '[10.0.0.1]:80'
run ipvsadm -A -t '[10.0.0.1]:80' -p
run ipvsadm -A -t '[2001:db8::1]'
run ipvsadm -A -t '[2001:db8::1]' -p
run ipvsadm -A -t '[2001:db8::1]:80'
run ipvsadm -Ln
