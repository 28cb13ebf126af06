//go:build e2e

package e2e

// Real N is 10.0.N.2; rs_up/rs_down N start and stop its httpd.
const (
	ldHTTP2 = `virtual=192.168.100.1:80
	real=10.0.2.2:80 gate 2
	real=10.0.3.2:80 gate 3
	service=http
	request="/index.html"
	receive="ok"
`
	ldMasq = `virtual=192.168.100.1:80
	real=10.0.2.2:80 masq 2
	real=10.0.3.2:80 masq 3
	service=http
`
)

func status(name string) ldStep {
	return ldStep{name: name, do: `$LD $CFG status`, record: true}
}

var ldScenarios = []ldScenario{
	{name: "all-up", config: ldHTTP2, before: "rs_up 2 3",
		steps: []ldStep{status("status running")}},
	{name: "one-down-quiescent-no", config: ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "down 3", do: "rs_down 3"},
		{name: "up 3", do: "rs_up 3"},
	}},
	{name: "one-down-quiescent-yes", config: "quiescent=yes\n" + ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "down 3", do: "rs_down 3"},
		{name: "up 3", do: "rs_up 3"},
	}},
	{name: "down-at-start-quiescent-yes", config: "quiescent=yes\n" + ldHTTP2, before: "rs_up 2", steps: []ldStep{
		{name: "up 3", do: "rs_up 3"},
	}},
	{name: "readdquiescent", config: "quiescent=yes\nreaddquiescent=yes\n" + ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "down 3", do: "rs_down 3"},
	}},
	{name: "failurecount-3", config: "failurecount=3\n" + ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "down 3", do: "rs_down 3"},
		{name: "up 3", do: "rs_up 3"},
	}},
	// Virtual-level fallback: a global one would also apply to the
	// sentinel virtual.
	{name: "fallback", config: ldHTTP2 + "\tfallback=127.0.0.1:80\n\tfallbackcommand=\"{W}/fb.sh\"\n",
		before: `printf '#!/bin/sh\necho "$@" >>$W/fb.log\n' >$W/fb.sh; chmod +x $W/fb.sh`,
		steps: []ldStep{
			{name: "up 2", do: "rs_up 2"},
			{name: "down 2", do: "rs_down 2"},
		}, lastLine: []string{"fb.log"}},
	{name: "virtual-fallback-masq", config: ldMasq + "\tfallback=127.0.0.1:8080 masq\n", before: "rs_up 3", steps: []ldStep{
		{name: "down 3", do: "rs_down 3"},
		{name: "up 2", do: "rs_up 2"},
	}},
	{name: "maintenance", config: "maintenancedir={W}/maint\n" + ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "maint 3", do: "touch $W/maint/10.0.3.2:80"},
		{name: "maint 2 by ip", do: "touch $W/maint/10.0.2.2"},
		{name: "end maint", do: "rm -f $W/maint/*"},
	}},
	{name: "checktype-on", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\treal=10.0.3.2:80 gate\n\tchecktype=on\n"},
	{name: "checktype-off", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\tchecktype=off\n", before: "rs_up 2"},
	{name: "checktype-combined", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\treal=10.0.3.2:80 gate\n\tchecktype=2\n\tservice=http\n",
		before: "rs_up 2", steps: []ldStep{{name: "down 2", do: "rs_down 2"}}},
	{name: "checktype-connect", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\treal=10.0.3.2:80 gate\n\tchecktype=connect\n",
		before: "rs_up 3", steps: []ldStep{{name: "up 2", do: "rs_up 2"}}},
	{name: "blackhole", config: ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "blackhole 3", do: "blackhole 3"},
		{name: "back 3", do: "unblackhole 3"},
	}},
	{name: "reload-weight", config: ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "edit+reload", do: `sed -i 's/gate 3/gate 7/' $CFG; $LD $CFG reload`, record: true},
	}},
	{name: "reload-add-remove-virtual", config: ldHTTP2, before: "rs_up 2 3 4", steps: []ldStep{
		{name: "edit+reload", do: `sed -i 's/192.168.100.1:80/192.168.100.2:80/' $CFG; printf 'virtual=192.168.100.3:80\n\treal=10.0.4.2:80 gate\n\tservice=http\n' >>$CFG; $LD $CFG reload`, record: true},
	}},
	{name: "reload-keeps-unmanaged", config: ldHTTP2, before: "rs_up 2 3; /sbin/ipvsadm -A -t 192.168.100.9:80 -s rr; /sbin/ipvsadm -a -t 192.168.100.9:80 -r 10.0.5.2:80 -g",
		steps: []ldStep{{name: "reload", do: `$LD $CFG reload`, record: true}}},
	{name: "adopt-and-purge", config: ldHTTP2,
		before: "rs_up 2 3; /sbin/ipvsadm -A -t 192.168.100.1:80 -s rr; /sbin/ipvsadm -a -t 192.168.100.1:80 -r 10.0.5.2:80 -g; /sbin/ipvsadm -a -t 192.168.100.1:80 -r 10.0.3.2:80 -g -w 0"},
	{name: "autoreload", config: "autoreload=yes\n" + ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		{name: "edit", do: `sed 's/gate 3/gate 9/' $CFG >$CFG.new && mv $CFG.new $CFG`},
	}},
	{name: "bad-config-on-reload", config: ldHTTP2, before: "rs_up 2 3", steps: []ldStep{
		// HUP with a broken file: the daemon keeps its config and table.
		{name: "break+HUP", do: `cp $PIDF $W/pid; printf 'bogus=1\n' >>$CFG; kill -HUP $(cat $W/pid)`},
		{name: "down 3", do: "rs_down 3"},
		// Any action on a broken file exits 2 and deletes the pid file.
		{name: "status broken", do: `$LD $CFG status; test -f $PIDF; echo pidfile $?`, record: true},
		{name: "reload broken", do: `$LD $CFG reload`, record: true},
		{name: "kill", do: `kill $(cat $W/pid)`, stops: true},
	}},
	{name: "cleanstop-no", config: "cleanstop=no\n" + ldHTTP2, before: "rs_up 2 3"},
	{name: "cleanstop-yes", config: "cleanstop=yes\nquiescent=yes\n" + ldHTTP2, before: "rs_up 2"},
	{name: "fwmark-persistent-netmask", config: "virtual=7\n\treal=10.0.2.2 gate\n\treal=10.0.3.2 gate\n\tchecktype=connect\n\tcheckport=80\n\tpersistent=600\n\tnetmask=255.255.255.0\n\tscheduler=rr\n",
		before: "rs_up 2 3", steps: []ldStep{{name: "down 2", do: "rs_down 2"}}},
	// Zero is a value: the netmask 0.0.0.0 (every client one network),
	// weight 0, port 0, the shortest persistence and the longest.
	{name: "zero-values", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate 0\n\treal=10.0.3.2:80 masq 2147483647 l:0 u:0\n\tchecktype=connect\n\tpersistent=1\n\tnetmask=0.0.0.0\n\tscheduler=rr\n" +
		"virtual=192.168.100.2:0\n\treal=10.0.2.2 gate 1\n\treal=10.0.3.2 gate 0\n\tchecktype=connect\n\tcheckport=80\n\tpersistent=2678400\n\tnetmask=0.0.0.0\n" +
		"virtual=9\n\treal=10.0.3.2 gate\n\tchecktype=connect\n\tcheckport=80\n\tpersistent=60\n\tnetmask=0.0.0.0\n",
		before: "rs_up 2 3", steps: []ldStep{{name: "down 3", do: "rs_down 3"}}},
	{name: "range", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2->10.0.2.4:80 gate\n\tchecktype=connect\n", before: "rs_up 2"},
	{name: "masq-port-vs-gate", config: "virtual=192.168.100.1:8080\n\treal=10.0.2.2:80 masq\n\treal=10.0.3.2:80 gate\n\tchecktype=connect\n", before: "rs_up 2 3",
		steps: []ldStep{{name: "down 3", do: "rs_down 3"}}},
	{name: "external", config: "virtual=192.168.100.1:80\n\treal=10.0.2.2:80 gate\n\treal=10.0.3.2:80 gate\n\tchecktype=external\n\tcheckcommand=\"{W}/check.sh\"\n",
		before:   `printf '#!/bin/sh\necho "$@" >>%s/check-$3.log\n[ "$3" = 10.0.2.2 ]\n' "$W" >$W/check.sh; chmod +x $W/check.sh`,
		lastLine: []string{"check-10.0.2.2.log", "check-10.0.3.2.log"}},
	{name: "simpletcp", config: "virtual=192.168.100.1:7000\n\treal=10.0.2.2:7000 gate\n\treal=10.0.3.2:7000 gate\n\tservice=simpletcp\n\trequest=\"hi\"\n\treceive=\"hello\"\n",
		before: "tcp_up 2"},
	{name: "exit-codes-stopped", noStart: true, config: ldHTTP2, steps: []ldStep{
		status("status"),
		{name: "stop", do: `$LD $CFG stop`, record: true},
		{name: "reload", do: `$LD $CFG reload`, record: true},
		{name: "try-restart", do: `$LD $CFG try-restart`, record: true},
		{name: "stale", do: `echo 999999 >$PIDF; $LD $CFG status; rm -f $PIDF`, record: true},
	}},
	{name: "exit-codes-running", config: ldHTTP2, before: "rs_up 2", steps: []ldStep{
		status("status"),
		{name: "start again", do: `$LD $CFG start`, record: true},
		{name: "reload", do: `$LD $CFG reload`, record: true},
		{name: "restart", do: `$LD $CFG restart; $LD $CFG status`, record: true},
	}},
}
