run ipvsadm -R <<'X'
-A -t 192.0.2.210:80 -s 'rr'
-A -t 192.0.2.211:80 -s rr
X
run ipvsadm -Sn
printf -- '-A -t 192.0.2.212:80' > /tmp/nonl.$$
run ipvsadm -R < /tmp/nonl.$$
printf -- '-A -t 192.0.2.213:80   ' > /tmp/nonl2.$$
run ipvsadm -R < /tmp/nonl2.$$
run ipvsadm -Sn
