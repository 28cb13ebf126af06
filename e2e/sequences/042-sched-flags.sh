run ipvsadm -A -t 192.0.2.220:80 -s sh -b sh-port
run ipvsadm -A -t 192.0.2.220:81 -s sh -b sh-port,sh-fallback
run ipvsadm -A -t 192.0.2.220:82 -s mh -b mh-fallback,mh-port
run ipvsadm -A -t 192.0.2.220:83 -s rr -b flag-1,flag-2,flag-3
run ipvsadm -A -t 192.0.2.220:84 -s sh -b flag-1,flag-2
run ipvsadm -A -t 192.0.2.220:85 -s mh -b flag-2
run ipvsadm -A -t 192.0.2.220:86 -b sh-port
run ipvsadm -A -t 192.0.2.220:87 -s rr -b bogus
run ipvsadm -A -t 192.0.2.220:88 -s rr -b ''
run ipvsadm -A -t 192.0.2.220:89 -s sh -b sh-port,
run ipvsadm -A -t 192.0.2.220:90 -b sh-port -s sh
run ipvsadm -Ln
run ipvsadm -Sn
