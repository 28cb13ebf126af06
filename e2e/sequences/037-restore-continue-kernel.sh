run ipvsadm -R <<'X'
-A -t 192.0.2.180:80
-A -t 192.0.2.180:80
-a -t 192.0.2.189:80 -r 10.10.1.2
-A -t 192.0.2.181:80 -s nosuch
-A -t 192.0.2.182:80
X
run ipvsadm -Sn
run ipvsadm -R <<'X'
-A -t 192.0.2.183:80
-A -t 192.0.2.183:80
X
run ipvsadm -Sn
