run setpriv --reuid=65534 --regid=65534 --clear-groups ipvsadm -Ln
run setpriv --reuid=65534 --regid=65534 --clear-groups ipvsadm -A -t 192.0.2.1:80
run setpriv --reuid=65534 --regid=65534 --clear-groups ipvsadm -h
