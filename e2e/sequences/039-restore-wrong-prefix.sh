run ipvsadm -R <<'X'
/sbin/ipvsadm -A -t 192.0.2.200:80
X
run ipvsadm -R <<'X'
ipvsadm-A -t 192.0.2.201:80
X
run ipvsadm -R <<'X'
-A -t 192.0.2.202:80 --bogus
-A -t 192.0.2.203:80
X
run ipvsadm -R <<'X'
-A -t 192.0.2.204:80 -s rr -s rr
-A -t 192.0.2.205:80
X
run ipvsadm -Sn
