# lvsctl's own options (--json, -R --atomic) and subcommands do not exist
# for ipvsadm: behind the name ipvsadm they fail exactly as Debian's does.
run ipvsadm -A -t 192.0.2.180:80 -s rr
run ipvsadm -L --json
run ipvsadm -Ln --json
run ipvsadm --json -Ln
run ipvsadm -L -n --timeout --json
run ipvsadm -L --daemon --json
run ipvsadm -Lcn --json
run ipvsadm -L --json=1
run ipvsadm -A -t 192.0.2.181:80 --json
run ipvsadm -R --atomic <<'X'
-A -t 192.0.2.182:80
X
run ipvsadm --atomic -R <<'X'
-A -t 192.0.2.183:80
X
run ipvsadm -R <<'X'
-A -t 192.0.2.184:80
-L -n --json
-A -t 192.0.2.185:80
X
run ipvsadm -R <<'X'
-A -t 192.0.2.186:80
-R --atomic
-A -t 192.0.2.187:80
X
run ipvsadm diff /dev/null
run ipvsadm apply /dev/null
run ipvsadm -Sn
