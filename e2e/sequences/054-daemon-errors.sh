run ipvsadm --start-daemon
run ipvsadm --start-daemon foo
run ipvsadm --stop-daemon foo
run ipvsadm --start-daemon master --syncid 256
run ipvsadm --start-daemon master --syncid -1
run ipvsadm --start-daemon master --mcast-ttl 0
run ipvsadm --start-daemon master --mcast-ttl 256
run ipvsadm --start-daemon master --mcast-port 0
run ipvsadm --start-daemon master --mcast-port 70000
run ipvsadm --start-daemon master --sync-maxlen 0
run ipvsadm --start-daemon master --sync-maxlen 65508
run ipvsadm --start-daemon master --mcast-group 10.1.1.1
run ipvsadm --start-daemon master --mcast-group 2001:db8::1
run ipvsadm --start-daemon master -n
run ipvsadm --stop-daemon master --mcast-interface lo
run ipvsadm --start-daemon master --mcast-interface nosuchdev0
