ip link add dummy0 type dummy 2>/dev/null; ip link set dummy0 up
run ipvsadm --start-daemon master
run ipvsadm --start-daemon master --mcast-interface dummy0
run ipvsadm -L --daemon
run ipvsadm --start-daemon master --mcast-interface dummy0
run ipvsadm --start-daemon backup --mcast-interface dummy0 --syncid 7
run ipvsadm -L --daemon
run ipvsadm --stop-daemon master
run ipvsadm --stop-daemon master
run ipvsadm --stop-daemon backup
run ipvsadm -L --daemon
run ipvsadm --start-daemon master --mcast-interface dummy0 --syncid 5 --sync-maxlen 1000 --mcast-group 224.0.0.99 --mcast-port 9999 --mcast-ttl 3
run ipvsadm -L --daemon
run ipvsadm --stop-daemon master
run ipvsadm --start-daemon=master --mcast-interface=dummy0 --mcast-group ff02::1:81
run ipvsadm -L --daemon
run ipvsadm --stop-daemon master
ip link del dummy0
