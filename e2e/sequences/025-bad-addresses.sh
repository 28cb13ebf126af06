for a in 300.1.1.1:80 1.2.3.4:65536 1.2.3.4:-1 1.2.3.4:1x 1.2.3.4:0x50 '1.2.3.4:' '[]' '[]:80' nosuchhost.invalid:80 80 '' '1.2.3.4:nosuchservice' '[2001:db8::1' ; do
	run ipvsadm -A -t "$a"
done
run ipvsadm -A -t 1.2.3.4:080
run ipvsadm -A -t 1.2.3:81
run ipvsadm -A -t 0.0.0.0:82
run ipvsadm -A -t 255.255.255.255:83
run ipvsadm -A -t 0x0a000001:84
run ipvsadm -A -t 010.0.0.1:85
run ipvsadm -A -t 10:86
run ipvsadm -Ln
