# Zero and extreme values of every service and real-server field: each is
# a value the kernel stores as given, never "unset" (-M 0.0.0.0 puts every
# client in one network; weight 0 quiesces a real; port 0 is a persistent
# port-less service).
ip link add dummy0 type dummy; ip addr add 10.10.1.1/24 dev dummy0
ip -6 addr add 2001:db8:1::1/64 dev dummy0 nodad; ip link set dummy0 up
run ipvsadm -A -t 192.0.2.60:80 -p -M 0.0.0.0
run ipvsadm -A -t 192.0.2.60:81 -p -M 0
run ipvsadm -A -t 192.0.2.60:82 -p 1 -M 255.255.255.255
run ipvsadm -A -t 192.0.2.60:83 -p 2678400 -M 128.0.0.0
run ipvsadm -A -t 192.0.2.60:84 -M 0.0.0.0
run ipvsadm -A -M 0.0.0.0 -p -t 192.0.2.60:85
run ipvsadm -A -u 192.0.2.60:53 -o -p 60 -M 0.0.0.0
run ipvsadm -A -f 1 -p -M 0.0.0.0
run ipvsadm -A -f 4294967295 -p 1 -M 0.0.0.0
run ipvsadm -A -f 2 -6 -p -M 1
run ipvsadm -A -f 3 -6 -p -M 128
run ipvsadm -A -f 4 -6 -p -M 0
run ipvsadm -A -t '[2001:db8::60]:80' -p -M 1
run ipvsadm -A -t '[2001:db8::60]:81' -p -M 0
run ipvsadm -A -t '[2001:db8::60]:82' -p -M 0.0.0.0
run ipvsadm -A -M 0.0.0.0 -p -t '[2001:db8::60]:83'
run ipvsadm -A -t 192.0.2.61:0 -p 1
run ipvsadm -A -t 192.0.2.61 -p -M 0.0.0.0
run ipvsadm -A -u 192.0.2.61:0 -p -M 0.0.0.0
run ipvsadm -a -t 192.0.2.61:0 -r 10.10.1.2 -g -w 0
run ipvsadm -a -t 192.0.2.61:0 -r 10.10.1.3:0 -m -w 0 -x 0 -y 0
run ipvsadm -a -t 192.0.2.61:0 -r 10.10.1.4:65535 -m -w 2147483647 -x 2147483647 -y 2147483647
run ipvsadm -a -t 192.0.2.60:80 -r 10.10.1.5:0 -m -w 0
run ipvsadm -a -t 192.0.2.60:80 -r 10.10.1.6:0 -g -w 0 -x 0 -y 0
run ipvsadm -a -f 1 -r 10.10.1.7 -w 0
run ipvsadm -a -f 4294967295 -r 10.10.1.7:0 -m -w 0
run ipvsadm -a -f 2 -6 -r '[2001:db8:1::2]' -g -w 0
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -L -n --thresholds
run ipvsadm -L -n --persistent-conn
# edits keep a zero they are given and reset what they are not
run ipvsadm -e -t 192.0.2.61:0 -r 10.10.1.4:65535 -m -w 0 -x 0 -y 0
run ipvsadm -e -t 192.0.2.61:0 -r 10.10.1.2 -g -w 0 -x 1 -y 0
run ipvsadm -E -t 192.0.2.60:80 -s rr -p 100 -M 0.0.0.0
run ipvsadm -E -t 192.0.2.60:81 -s rr -p 100
run ipvsadm -E -f 2 -6 -p 1 -M 1
run ipvsadm -E -f 3 -6 -p -M 0
run ipvsadm -Sn
run ipvsadm -L -n --thresholds
# -S | -R keeps every one of them (but fwmark 4294967295, which -S writes
# as -1 and -R refuses)
run ipvsadm -D -f 4294967295
ipvsadm -Sn >"$TMPDIR/zero.rules"
run ipvsadm -C
run ipvsadm -R <"$TMPDIR/zero.rules"
run ipvsadm -Sn
run ipvsadm -Ln
# the connection timeouts: 0 keeps a value, 1 and 31 days are values
run ipvsadm --set 1 1 1
run ipvsadm -L --timeout
run ipvsadm --set 0 0 0
run ipvsadm -L --timeout
run ipvsadm --set 2678400 0 2678400
run ipvsadm -L --timeout
ip link del dummy0
