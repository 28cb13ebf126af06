run ipvsadm -A -u 192.0.2.230:53 -o
run ipvsadm -A -t 192.0.2.230:80 -o
run ipvsadm -A --sctp-service 192.0.2.230:80 -o
run ipvsadm -A -f 11 -o
run ipvsadm -A -u 192.0.2.230:5060 -p 60 --pe sip
run ipvsadm -A -u 192.0.2.230:5061 --pe sip
run ipvsadm -A -u 192.0.2.230:5062 --pe foo
run ipvsadm -A -u 192.0.2.230:5063 --pe ''
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -E -u 192.0.2.230:53
run ipvsadm -E -u 192.0.2.230:5060 -p 60
run ipvsadm -Sn
