run ipvsadm -R <<'X'
-A -t 192.0.2.170:80
-A -t "192.0.2.171:80"
-A -t 192.0.2.172:80
X
run ipvsadm -Sn
run ipvsadm -R <<'X'
-A -t 192.0.2.173:80
# a comment
-A -t 192.0.2.174:80
X
run ipvsadm -Sn
run ipvsadm -R <<'X'
-A -t 192.0.2.175:80 # trailing
-A -t 192.0.2.176:80
X
run ipvsadm -Sn
