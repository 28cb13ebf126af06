# Every kind of kernel refusal in the middle of -R: printed, the restore
# goes on, and the exit status is the last non-blank line's.
ip link add dummy0 type dummy; ip addr add 10.10.1.1/24 dev dummy0; ip link set dummy0 up
run ipvsadm -R <<'X'
-A -t 192.0.2.90:80
-a -t 192.0.2.90:80 -r 10.10.1.2
-a -t 192.0.2.90:80 -r 10.10.1.2
-a -t 192.0.2.90:80 -r 10.10.1.3 -x 10 -y 20
-A -t 192.0.2.91:80 -s nosuch
-E -t 192.0.2.92:80
-E -t 192.0.2.90:80 -s nosuch
-d -t 192.0.2.90:80 -r 10.10.1.9
-e -t 192.0.2.90:80 -r 10.10.1.9
-a -t 192.0.2.92:80 -r 10.10.1.2
-A -t 192.0.2.93:80 --pe nosuch
-D -t 192.0.2.92:80
-Z -t 192.0.2.92:80
-a -t 192.0.2.90:80 -r 10.10.1.4
X
run ipvsadm -Sn
run ipvsadm -R <<'X'
-A -t 192.0.2.94:80
-a -t 192.0.2.94:80 -r 10.10.1.2 -x 1 -y 2
X
run ipvsadm -R <<'X'
-A -t 192.0.2.95:80 -s nosuch

  
	
X
run ipvsadm -R <<'X'
-A -t 192.0.2.96:80 -s nosuch
-L -n
X
run ipvsadm -R <<'X'
-A -t 192.0.2.97:80
-Z -t 192.0.2.98:80
X
run ipvsadm -R <<'X'
-D -t 192.0.2.99:80
-C
X
run ipvsadm -Sn
ip link del dummy0
