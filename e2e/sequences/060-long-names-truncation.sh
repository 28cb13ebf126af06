run ipvsadm -A -t 255.255.255.254:65535 --pe sip -p
run ipvsadm -a -t 255.255.255.254:65535 -r 255.255.255.253:65534 -m
run ipvsadm -A -t '[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535'
run ipvsadm -a -t '[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535' -r '[2001:db8:aaaa:bbbb:cccc:dddd:eeee:fffe]:65534' -m
run ipvsadm -Ln
run ipvsadm -L -n --stats
run ipvsadm -L -n --rate
run ipvsadm -L -n --thresholds
