package ldconf

import (
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// These tests pin ldirectord 4.12's rules with explicit expectations (the
// goldens cover breadth; these say what each rule is).

func TestErrors(t *testing.T) {
	cases := []struct {
		name, src, msg string
		line           int
	}{
		{"trailing comment on global yes/no", "quiescent=yes # x\n", "quiescent must be 'yes' or 'no'", 1},
		{"trailing space on global yes/no", "autoreload=no \n", "autoreload must be 'yes' or 'no'", 1},
		{"blank line ends block", "virtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate\n\n\treal=10.0.0.3:80 gate\n", "Unknown command \treal=10.0.0.3:80 gate", 4},
		{"three spaces end block", "virtual=192.0.2.10:80\n   real=10.0.0.2:80 gate\n", "Unknown command    real=10.0.0.2:80 gate", 2},
		{"two tabs", "virtual=192.0.2.10:80\n\t\t\n", "Unknown command \"\t\t\"", 2},
		{"unknown in block quotes the line", "virtual=192.0.2.10:80\n    bogus=1\n", "Unknown command \"    bogus=1\"", 2},
		{"request needs quotes", "virtual=192.0.2.10:80\n\trequest=/x\n", "Unknown command \"\trequest=/x\"", 2},
		{"logfile needs quotes", "logfile=/tmp/x\n", "Unknown command logfile=/tmp/x", 1},
		{"empty request", "virtual=192.0.2.10:80\n\trequest=\"\"\n", "no request string specified", 2},
		{"empty receive", "virtual=192.0.2.10:80\n\treceive=\"\"\n", "invalid receive string", 2},
		{"connecttimeout global", "connecttimeout=3\n", "connecttimeout directive deprecated in favour of negotiatetimeout", 1},
		{"connecttimeout virtual", "virtual=192.0.2.10:80\n\tconnecttimeout=3\n", "connecttimeout directive deprecated in favour of negotiatetimeout", 2},
		{"timeout", "timeout=3\n", "timeout directive deprecated in favour of checktimeout and negotiatetimeout", 1},
		{"checktimeout 0", "checktimeout=0\n", "invalid check timeout value", 1},
		{"checktimeout 00 global", "checktimeout=00\n", "invalid check timeout value", 1},
		{"checkinterval 0", "checkinterval=0\n", "invalid check interval value", 1},
		{"virtual6 in virtual", "virtual=[2001:db8::1]:80\n", "cannot specify an IPv6 address here. please use \"virtual6\" instead.", 1},
		{"bad virtual", "virtual=:80\n", "invalid address for virtual server", 1},
		{"bad v6", "virtual6=[2001:db8:::1]:80\n", "invalid ipv6 address for virtual server", 1},
		{"real6 in virtual", "virtual=192.0.2.10:80\n\treal6=[2001:db8::2]:80 gate\n", "cannot specify \"real6\" here.  please use \"real\" instead", 2},
		{"real in virtual6", "virtual6=[2001:db8::1]:80\n\treal=10.0.0.2:80 gate\n", "cannot specify \"real\" here.  please use \"real6\" instead", 2},
		{"fallback6 in virtual", "virtual=192.0.2.10:80\n\tfallback6=[::1]:80\n", "cannot specify \"fallback6\" here.  please use \"fallback\" instead", 2},
		{"method", "virtual=192.0.2.10:80\n\treal=10.0.0.2:80 route\n", "forward method must be gate, masq or ipip", 2},
		{"junk after real", "virtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate 2 junk\n", "Invalid real server line, around \" junk\"", 2},
		{"real wrong format", "virtual=192.0.2.10:80\n\treal=10.0.0.2:80\n", "invalid address for real server (wrong format)", 2},
		{"real unresolvable", "virtual=192.0.2.10:80\n\treal=nohost.invalid:80 gate\n", "invalid address (nohost.invalid) for real server (could not resolve host)", 2},
		{"real port", "virtual=192.0.2.10:80\n\treal=10.0.0.2:nosuchport gate\n", "invalid port (nosuchport) for real server (could not resolve port)", 2},
		{"range reversed", "virtual=192.0.2.10:80\n\treal=10.0.0.5->10.0.0.2:80 gate\n", "Invalid Range: 10.0.0.5-10.0.0.2: First value must be greater than or equal to the second value", 2},
		{"range v6", "virtual6=[2001:db8::1]:80\n\treal6=[2001:db8::2]->[2001:db8::3]:80 gate\n", "Address range for IPv6 is not supported yet", 2},
		{"virtual unresolvable reported at virtual line", "virtual=nohost.invalid:80\n\treal=10.0.0.2:80 gate\n", "invalid address for virtual service", 1},
		{"duplicate at the line ending the block", "virtual=192.0.2.10:80\n\treal=10.0.0.2 gate\n\nvirtual=192.0.2.10:http\n\treal=10.0.0.3 gate\n\n# end\n", "duplicate virtual server", 6},
		{"duplicate at EOF", "virtual=5\nvirtual=5\n\treal=10.0.0.2 gate\n# c\n", "duplicate virtual server", 4},
		{"duplicate via localhost", "virtual=127.0.0.1:80\n\nvirtual=localhost:http\n\n", "duplicate virtual server", 4},
		{"protocol fwm", "virtual=5\n\tprotocol=tcp\n", "protocol must be fwm if the virtual service is a fwmark (a number)", 2},
		{"protocol tcp", "virtual=192.0.2.10:80\n\tprotocol=fwm\n", "protocol must be tcp or udp if the virtual service is an address and port", 2},
		{"checkport range", "virtual=192.0.2.10:80\n\tcheckport=0\n", "checkport must be in range 1..65536", 2},
		{"scheduler", "virtual=192.0.2.10:80\n\tscheduler=RR\n", "invalid scheduler, should be only lowercase letters (a-z)", 2},
		{"netmask v4", "virtual=192.0.2.10:80\n\tnetmask=24\n", "invalid netmask: dotted quad notation is required", 2},
		{"netmask v6", "virtual6=[2001:db8::1]:80\n\tnetmask=129\n", "invalid netmask: a prefix length between 1 and 128 is required", 2},
		{"service", "virtual=192.0.2.10:80\n\tservice=gopher\n", "service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission", 2},
		{"httpmethod", "virtual=192.0.2.10:80\n\thttpmethod=POST\n", "httpmethod must be GET or HEAD", 2},
		{"checktype", "virtual=192.0.2.10:80\n\tchecktype=http\n", "checktype must be \"connect\", \"negotiate\", \"on\", \"off\", \"ping\", \"external\", \"external-perl\" or a positive number", 2},
		{"supervised", "supervised=maybe\n", "supervised must be 'yes' or 'no'", 1},
		{"logfile unopenable", "logfile=\"/nonexistent/x.log\"\n", "unable to open logfile: /nonexistent/x.log", 1},
		{"monitorfile unopenable", "virtual=192.0.2.10:80\n\tmonitorfile=/nonexistent/m\n", "unable to open monitorfile /nonexistent/m: No such file or directory", 2},
		{"fallback unresolvable", "fallback=nohost.invalid:80\n", "invalid IPv4 address or could not resolve for fallback server: nohost.invalid", 1},
		{"fallback port for udp", "fallback=127.0.0.1:http-alt\n", "invalid port for fallback server", 1},
		{"emailalertstatus", "emailalertstatus=all,bogus\n", "invalid email alert status at: \"bogus\"", 1},
		{"emailalertstatus none", "emailalertstatus=none,all\n", "invalid email alert status: \"all\" specified with \"none\"", 1},
		{"unknown global keeps line", "foo = bar\n", "Unknown command foo = bar", 1},
		{"virtualhost global", "virtualhost=x\n", "Unknown command virtualhost=x", 1},
		{"syntax error in block wins over resolution", "virtual=nohost.invalid:80\n\tbogus\n", "Unknown command \"\tbogus\"", 2},
		{"resolution of block wins over later syntax error", "virtual=nohost.invalid:80\n\nbogus\n", "invalid address for virtual service", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, line, status := parseErr(t, c.src)
			if msg != c.msg || line != c.line || status != 2 {
				t.Errorf("got %d:%q (exit %d), want %d:%q (exit 2)", line, msg, status, c.line, c.msg)
			}
		})
	}
}

func TestVirtualForms(t *testing.T) {
	c := mustParse(t, "virtual=192.168.100.1\nvirtual=vip.example.test:https\nvirtual=192.0.2.10:53\nvirtual=192.0.2.11:domain\nvirtual6=[2001:DB8::10]:80\nvirtual6=7\nvirtual=192.0.2.10:0080 trailing junk\n")
	v := c.Virtuals
	if v[0].Protocol != FWM || v[0].FWMark != 192 {
		t.Errorf("virtual=192.168.100.1 must be fwmark 192, got %v %d", v[0].Protocol, v[0].FWMark)
	}
	if v[1].Address.String() != "192.0.2.10" || v[1].Port != 443 || v[1].Service != ServiceHTTPS || v[1].Protocol != TCP {
		t.Errorf("host:service: %+v", v[1])
	}
	if v[2].Protocol != UDP || v[3].Protocol != UDP || v[2].Service != ServiceDNS || v[3].Service != ServiceDNS {
		t.Errorf("port 53/domain must be udp dns: %v/%v %v/%v", v[2].Protocol, v[2].Service, v[3].Protocol, v[3].Service)
	}
	if v[4].Family != IPv6 || v[4].Address.String() != "2001:db8::10" {
		t.Errorf("virtual6: %+v", v[4])
	}
	if v[5].Family != IPv6 || v[5].Protocol != FWM || v[5].FWMark != 7 {
		t.Errorf("virtual6 fwmark: %+v", v[5])
	}
	// ":0080" is port 80, but ldirectord compares the text with "80" for
	// the default service, so it is none.
	if v[6].Port != 80 || v[6].Service != ServiceNone {
		t.Errorf(":0080: port %d service %v", v[6].Port, v[6].Service)
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:80\n\treal=10.0.0.2:80 gate\n")
	g, v := c.Global, c.Virtuals[0]
	if g.Quiescent || !g.CleanStop || g.AutoReload || g.Fork || g.Supervised || g.ReaddQuiescent {
		t.Errorf("global yes/no defaults wrong: %+v", g)
	}
	if g.CheckInterval != 10*time.Second || g.CheckCount != 1 || g.FailureCount != 1 || g.LogFile != "/var/log/ldirectord.log" || g.EmailAlertStatus != AlertAll {
		t.Errorf("global defaults wrong: %+v", g)
	}
	if v.CheckType != CheckNegotiate || v.Scheduler != "wrr" || v.CheckCommand != "/bin/true" || v.Request != "/" || v.HTTPMethod != MethodGET || v.Service != ServiceHTTP {
		t.Errorf("virtual defaults wrong: %+v", v)
	}
	if v.CheckTimeout != 5*time.Second || v.NegotiateTimeout != 30*time.Second || v.Quiescent || !v.CleanStop {
		t.Errorf("virtual derived defaults wrong: %+v", v)
	}
	if r := v.Reals[0]; r.Weight != 1 || r.Forward != Gate || r.CheckPort != 80 || r.URL != "http://10.0.0.2:80/" {
		t.Errorf("real defaults wrong: %+v", r)
	}
}

func TestTimeoutChains(t *testing.T) {
	cases := []struct {
		src        string
		check, neg time.Duration
	}{
		{"virtual=192.0.2.10:80\n", 5 * time.Second, 30 * time.Second},
		{"checktimeout=7\nvirtual=192.0.2.10:80\n", 7 * time.Second, 7 * time.Second},
		{"negotiatetimeout=9\nvirtual=192.0.2.10:80\n", 9 * time.Second, 9 * time.Second},
		{"checktimeout=7\nnegotiatetimeout=9\nvirtual=192.0.2.10:80\n", 7 * time.Second, 9 * time.Second},
		{"checktimeout=7\nvirtual=192.0.2.10:80\n\tnegotiatetimeout=3\n", 3 * time.Second, 3 * time.Second},
		{"negotiatetimeout=9\nvirtual=192.0.2.10:80\n\tchecktimeout=2\n", 2 * time.Second, 2 * time.Second},
		// Globals after the block still apply (read at run time).
		{"virtual=192.0.2.10:80\n\nchecktimeout=4\n", 4 * time.Second, 4 * time.Second},
	}
	for _, c := range cases {
		v := mustParse(t, c.src).Virtuals[0]
		if v.CheckTimeout != c.check || v.NegotiateTimeout != c.neg {
			t.Errorf("%q: got %v/%v, want %v/%v", c.src, v.CheckTimeout, v.NegotiateTimeout, c.check, c.neg)
		}
	}
}

func TestCheckPortAndURL(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:443\n\treal=10.0.0.2 gate\n\treal=10.0.0.3:8443 masq\n\treal=10.0.0.4:8443 masq 1 \"https://x.test/ping\", \"pong\"\n\trequest=\"check\"\n\nvirtual=192.0.2.10:81\n\tcheckport=9000\n\tservice=http_proxy\n\trequest=\"http://www.test/\"\n\treal=10.0.0.5:3128 gate\n")
	r := c.Virtuals[0].Reals
	if r[0].CheckPort != 443 || r[0].URL != "https://10.0.0.2:443/check" {
		t.Errorf("service port: %d %s", r[0].CheckPort, r[0].URL)
	}
	if r[1].CheckPort != 8443 || r[1].URL != "https://10.0.0.3:8443/check" {
		t.Errorf("real port: %d %s", r[1].CheckPort, r[1].URL)
	}
	if !r[2].OwnCheck || r[2].URL != "https://x.test/ping" || r[2].Receive != "pong" {
		t.Errorf("absolute per-real URL: %+v", r[2])
	}
	p := c.Virtuals[1].Reals[0]
	if p.CheckPort != 9000 || p.URL != "http://www.test/" {
		t.Errorf("http_proxy: %d %s", p.CheckPort, p.URL)
	}
}

func TestRealLine(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:80\n"+
		"\treal=10.0.0.1->10.0.0.3:8080 gate 3\n"+
		"\treal=real1.example.test:http masq 2 \"other.html\", \"^yes\" l:5 u:50\n"+
		"\treal=localhost ipip\n"+
		"\treal=10.0.0.9:0080 masq 4 u:10\n")
	r := c.Virtuals[0].Reals
	if len(r) != 6 {
		t.Fatalf("want 6 reals, got %d", len(r))
	}
	for i, want := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		if r[i].Address.String() != want || r[i].Port != 8080 || r[i].Weight != 3 || r[i].Forward != Gate {
			t.Errorf("range[%d]: %+v", i, r[i])
		}
	}
	if r[3].Address.String() != "192.0.2.11" || r[3].Port != 80 || r[3].Request != "/other.html" || r[3].Receive != "^yes" || r[3].LowerThreshold != 5 || r[3].UpperThreshold != 50 {
		t.Errorf("full real: %+v", r[3])
	}
	if r[4].Address.String() != "127.0.0.1" || r[4].Port != 0 || r[4].Forward != IPIP {
		t.Errorf("localhost: %+v", r[4])
	}
	if r[5].Port != 80 || r[5].UpperThreshold != 10 {
		t.Errorf(":0080: %+v", r[5])
	}
}

// TestDeviations pins the deliberate differences of docs/compat.md: a
// per-real request starting with "/" is used, l: without u: and u:
// before l: keep the real, a quiesced gate real on another port gets its
// weight back.
func TestDeviations(t *testing.T) {
	c := mustParse(t, "quiescent=yes\nvirtual=192.0.2.10:80\n"+
		"\treal=10.0.0.2:80 gate 1 \"/alive\", \"yes\" u:9\n"+
		"\treal=10.0.0.3:80 gate 1 l:5\n"+
		"\treal=10.0.0.4:80 gate 1 u:100 l:10\n"+
		"\treal=10.0.0.5:8080 gate 2\n"+
		"\treceive=\"virt\"\n")
	r := c.Virtuals[0].Reals
	if !r[0].OwnCheck || r[0].Request != "/alive" || r[0].Receive != "yes" || r[0].UpperThreshold != 9 {
		t.Errorf("a per-real /request must be used: %+v", r[0])
	}
	if r[1].LowerThreshold != 0 || r[1].Rejected != "" {
		t.Errorf("l: without u: must be added without the lower threshold: %+v", r[1])
	}
	if r[2].LowerThreshold != 10 || r[2].UpperThreshold != 100 {
		t.Errorf("u: before l: must keep both: %+v", r[2])
	}
	devs := 0
	for _, w := range c.Warnings {
		if w.Deviation {
			devs++
		}
	}
	if devs != 3 {
		t.Errorf("want 3 deviation warnings, got %v", c.Warnings)
	}
	// A quiesced gate real with another port gets its weight back: in the
	// healthy table it has its configured weight at the VIP port.
	tab := c.Table()
	d := tab[0].Destinations[3]
	if d.Address.String() != "10.0.0.5" || d.Port != 80 || d.Weight != 2 {
		t.Errorf("gate real on another port: %+v", d)
	}
}

func TestTable(t *testing.T) {
	c := mustParse(t, "fallback=127.0.0.1:80 masq\n"+
		"virtual=192.0.2.10:80\n\treal=10.0.0.2:8080 gate\n\treal=10.0.0.3:8080 masq\n\treal=10.0.0.4 masq\n\tpersistent=300\n\tnetmask=255.255.255.0\n\tschedflags=sh-port\n\tscheduler=sh\n\n"+
		"virtual=192.0.2.10:53\n\tops=yes\n\n"+
		"virtual=192.0.2.10:25\n\tops=yes\n\tfallback=10.9.9.9:2525 gate\n\n"+
		"virtual=9\n\treal=10.0.0.2:8080 gate\n\n"+
		"virtual=10\n\n"+
		"virtual6=[2001:db8::10]:80\n\treal6=[2001:db8::11] gate\n\tpersistent=60\n\tnetmask=64\n")
	got := renderTable(c.Table())
	want := `-A -t 192.0.2.10:80 -s sh -p 300 -M 255.255.255.0 -b flag-2
-a -t 192.0.2.10:80 -r 10.0.0.2:80 -g -w 1
-a -t 192.0.2.10:80 -r 10.0.0.3:8080 -m -w 1
-a -t 192.0.2.10:80 -r 10.0.0.4:0 -m -w 1
-A -u 192.0.2.10:53 -o -s wrr
-a -u 192.0.2.10:53 -r 127.0.0.1:80 -m -w 1
-A -t 192.0.2.10:25 -s wrr
-a -t 192.0.2.10:25 -r 10.9.9.9:25 -g -w 1
-A -f 9 -s wrr
-a -f 9 -r 10.0.0.2:8080 -g -w 1
-A -f 10 -s wrr
-A -t [2001:db8::10]:80 -s wrr -p 60 -M 64
-a -t [2001:db8::10]:80 -r [2001:db8::11]:80 -g -w 1
`
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	s := c.Table()[0].Service
	if s.Netmask != 0xffffff00 || s.Flags != ipvsctl.SvcFlagPersistent|ipvsctl.SvcFlagSchedFlag2 || s.Timeout != 300 {
		t.Errorf("service fields: %+v", s)
	}
}

func TestRejectedByIpvsadm(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:0\n\nvirtual=192.0.2.11:80\n\tpersistent=0\n\nvirtual=0\n\nvirtual=192.0.2.12:80\n\tschedflags=sh-port\n\treal=10.0.0.2:80 gate 99999999999\n\treal=10.0.0.3:80 gate 1 l:20 u:10\n")
	for i, v := range c.Virtuals {
		if v.Rejected == "" {
			t.Errorf("virtual %d must be rejected", i)
		}
	}
	if len(c.Table()) != 0 {
		t.Errorf("rejected virtuals must be left out: %v", c.Table())
	}
	if !strings.Contains(c.Virtuals[3].Rejected, "incompatible scheduler flag") {
		t.Errorf("schedflags with wrr: %q", c.Virtuals[3].Rejected)
	}
	c = mustParse(t, "virtual=192.0.2.12:80\n\treal=10.0.0.2:80 gate 99999999999\n\treal=10.0.0.3:80 gate 1 l:20 u:10\n\treal=10.0.0.4:80 gate\n")
	tab := c.Table()
	if len(tab) != 1 || len(tab[0].Destinations) != 1 || tab[0].Destinations[0].Address.String() != "10.0.0.4" {
		t.Errorf("rejected reals must be left out: %+v", tab)
	}
}

func TestFtpSipLogins(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:21\n\tservice=ftp\n\nvirtual=192.0.2.10:22\n\tlogin=\"me\"\n\tservice=ftp\n\nvirtual=192.0.2.10:23\n\tservice=ftp\n\tlogin=\"me\"\n\nvirtual=192.0.2.10:5060\n\tservice=sip\n")
	v := c.Virtuals
	if v[0].Login != "anonymous" || v[0].Passwd != "ldirectord@director.example.test" {
		t.Errorf("ftp defaults: %q %q", v[0].Login, v[0].Passwd)
	}
	if v[1].Login != "me" || v[2].Login != "me" {
		t.Errorf("ftp login order: %q %q", v[1].Login, v[2].Login)
	}
	if v[3].Login != "ldirectord@director.example.test" {
		t.Errorf("sip login: %q", v[3].Login)
	}
}

func TestCommentsAndQuotes(t *testing.T) {
	c := mustParse(t, "checkinterval=3 # numeric globals take the first digits\n"+
		"virtual=192.0.2.10:80 # ignored\n"+
		"# a column-0 comment does not end the block\n"+
		"\treal=10.0.0.2:80 gate # comment\n"+
		"\treceive=\"x\ty\" # tabs become spaces\n"+
		"\tvirtualhost=\"www.test\"\n"+
		"\tcheckcommand=/usr/local/bin/check it\n"+
		"\tfallbackcommand=\"/x/fb.sh arg\"\n")
	v := c.Virtuals[0]
	if c.Global.CheckInterval != 3*time.Second || len(v.Reals) != 1 {
		t.Fatalf("got %+v", c.Global)
	}
	if v.Receive != "x    y" || v.VirtualHost != "www.test" || v.CheckCommand != "/usr/local/bin/check it" || v.FallbackCommand != "/x/fb.sh arg" {
		t.Errorf("values: %q %q %q %q", v.Receive, v.VirtualHost, v.CheckCommand, v.FallbackCommand)
	}
	// "#" is cut even inside quotes: the closing quote is lost.
	msg, _, _ := parseErr(t, "virtual=192.0.2.10:80\n\trequest=\"a#b\"\n")
	if msg != "Unknown command \"\trequest=\"a#b\"\"" {
		t.Errorf("got %q", msg)
	}
}
