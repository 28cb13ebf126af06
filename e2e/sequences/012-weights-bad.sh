run ipvsadm -A -t 192.0.2.72:80
for w in -1 2147483648 abc 3.5 '' 0x10 ' 5' +7; do
	run ipvsadm -a -t 192.0.2.72:80 -r 10.10.1.9 -w "$w"
	run ipvsadm -d -t 192.0.2.72:80 -r 10.10.1.9
done
run ipvsadm -a -t 192.0.2.72:80 -r 10.10.1.9 -w
run ipvsadm -Ln
