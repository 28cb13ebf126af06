run ipvsadm -A -t 192.0.2.1:80
for a in 300.1.1.1 1.2.3.4:65536 1.2.3.4:x '[2001:db8::5]:80' '[2001:db8::5]' 80; do
	run ipvsadm -a -t 192.0.2.1:80 -r "$a"
done
run ipvsadm -Ln
