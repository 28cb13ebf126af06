run ipvsadm -R <<'X'
-A -t 192.0.2.160:80 -s rr

   -a -t 192.0.2.160:80 -r 10.10.1.2	-g   -w 2   
ipvsadm -A -t 192.0.2.161:80
  ipvsadm -A -t 192.0.2.162:80
ipvsadm
X
run ipvsadm -Sn
