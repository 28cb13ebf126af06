run ipvsadm -A -t '[2001:db8::10]:80' -s rr
run ipvsadm -a -t '[2001:db8::10]:80' -r '[2001:db8::20]:80' -m
run ipvsadm -a -t '[2001:db8::10]:80' -r '[2001:db8::21]' -g
run ipvsadm -a -t '[2001:db8::10]:80' -r 10.10.1.2 -i
run ipvsadm -a -t '[2001:db8::10]:80' -r 10.10.1.3 -g
run ipvsadm -A -t '[2001:db8::11]:443' -p 100 -M 64
run ipvsadm -A -u '[::1]:53'
run ipvsadm -A -t '[::ffff:10.0.0.1]:80'
run ipvsadm -A -t 192.0.2.241:80
run ipvsadm -a -t 192.0.2.241:80 -r '[2001:db8::22]:80' -i
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -L
run ipvsadm -L -n -t '[2001:db8::10]:80'
