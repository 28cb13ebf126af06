# flag-3 with sh and mh, which name only flags 1 and 2: how -L and -S
# write it, and whether -S | -R brings it back.
run ipvsadm -A -t 192.0.2.230:80 -s sh -b flag-3
run ipvsadm -A -t 192.0.2.230:81 -s mh -b flag-3
run ipvsadm -A -t 192.0.2.230:82 -s sh -b sh-port,flag-3
run ipvsadm -A -t 192.0.2.230:83 -s mh -b flag-1,flag-2,flag-3
run ipvsadm -A -t 192.0.2.230:84 -s wrr -b flag-3
run ipvsadm -Ln
run ipvsadm -Sn
ipvsadm -Sn >"$TMPDIR/flags.rules"
run ipvsadm -C
run ipvsadm -R <"$TMPDIR/flags.rules"
run ipvsadm -Sn
