run ipvsadm -L -c --stats
run ipvsadm -L -c --rate
run ipvsadm -L -c --thresholds
run ipvsadm -L --timeout --stats
run ipvsadm -L --daemon --rate
run ipvsadm -L --timeout --persistent-conn
run ipvsadm -L --daemon --persistent-conn
run ipvsadm -L -c --timeout
run ipvsadm -L -c --daemon
run ipvsadm -L --timeout --daemon
run ipvsadm -L -c -t 192.0.2.1:80
run ipvsadm -L --daemon -t 192.0.2.1:80
run ipvsadm -L --daemon
run ipvsadm -L -n --thresholds --persistent-conn
run ipvsadm -L -n --stats --thresholds
