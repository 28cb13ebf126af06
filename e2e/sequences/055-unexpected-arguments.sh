run ipvsadm -L junk
run ipvsadm -A -t 192.0.2.1:80 junk
run ipvsadm -C junk
run ipvsadm -L -n junk1 junk2
run ipvsadm -S -n -- x
