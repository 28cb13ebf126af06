run ipvsadm -A -t 192.0.2.190:80
run ipvsadm -R <<'X'
-a -t 192.0.2.190:80 -r 10.10.1.2
-e -t 192.0.2.190:80 -r 10.10.1.2 -w 7
-E -t 192.0.2.190:80 -s rr
-L -n
-Z
--set 111 22 33
-L --timeout
-D -t 192.0.2.190:80
-A -t 192.0.2.191:80
-C
-A -t 192.0.2.192:80
X
run ipvsadm -Sn
run ipvsadm -R <<'X'
-A -t 192.0.2.193:80
-R
-A -t 192.0.2.194:80
X
run ipvsadm -Sn
