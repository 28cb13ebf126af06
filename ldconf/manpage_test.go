package ldconf

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const manPage = "../man/lvsctl-ldirectord.cf.5"

// manDirectives are the directives lvsctl-ldirectord.cf(5) describes: the
// names that start a .TP or .TQ entry (".BI name=" or ".BR name=", or a
// ".BR a ", " b" list of names).
func manDirectives(t *testing.T) (page string, names map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	page = string(b)
	names = map[string]bool{}
	lines := strings.Split(page, "\n")
	reName := regexp.MustCompile(`^\.B[IR]? ([a-z0-9\\-]+)(=|")`)
	reList := regexp.MustCompile(`"?([a-z0-9]+)"?`)
	for i := 1; i < len(lines); i++ {
		if prev := lines[i-1]; prev != ".TP" && prev != ".TQ" {
			continue
		}
		if m := reName.FindStringSubmatch(lines[i]); m != nil && m[2] == "=" {
			names[strings.ReplaceAll(m[1], `\-`, "-")] = true
			continue
		}
		if strings.HasPrefix(lines[i], ".BR ") && strings.Contains(lines[i], `", "`) {
			for _, m := range reList.FindAllStringSubmatch(strings.TrimPrefix(lines[i], ".BR "), -1) {
				names[m[1]] = true
			}
		}
	}
	return page, names
}

// Every directive the parser accepts, global or per virtual, has an entry
// in lvsctl-ldirectord.cf(5), and the page describes none it does not
// accept.
func TestManPageDocumentsEveryDirective(t *testing.T) {
	_, documented := manDirectives(t)
	accepted := map[string]bool{"virtual": true, "virtual6": true, "supervised": true}
	for name := range globalHandlers {
		accepted[name] = true
	}
	for name := range blockHandlers {
		accepted[name] = true
	}
	var missing, extra []string
	for name := range accepted {
		if !documented[name] {
			missing = append(missing, name)
		}
	}
	for name := range documented {
		if !accepted[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("%s lacks %q", manPage, missing)
	}
	if len(extra) > 0 {
		t.Errorf("%s describes %q, which the parser does not accept", manPage, extra)
	}
}

// The defaults the page states are the parser's.
func TestManPageDefaults(t *testing.T) {
	page, _ := manDirectives(t)
	g := defaultGlobal()
	v := mustParse(t, "virtual=192.0.2.1:80\n\treal=10.0.0.1:80 gate\n").Virtuals[0]
	for _, c := range []struct {
		says string
		ok   bool
	}{
		{"Time between two checks of a real server.\nDefault 10.", g.CheckInterval.Seconds() == 10},
		{"else the global\n.BR negotiatetimeout ,\nelse 5.", DefaultCheckTimeout.Seconds() == 5 && v.CheckTimeout == DefaultCheckTimeout},
		{"else the global\n.BR checktimeout ,\nelse 30.", DefaultNegotiateTimeout.Seconds() == 30 && v.NegotiateTimeout == DefaultNegotiateTimeout},
		{"take a real server out.\nAlso per virtual.\nDefault 1.", g.FailureCount == 1 && v.FailureCount == 1},
		{"Also per virtual.\nDefault 1.\n.TP\n.BR autoreload=", g.CheckCount == 1},
		{"Default\n.IR /var/log/ldirectord.log .", g.LogFile == "/var/log/ldirectord.log"},
		{"left as it is for the next start to adopt.\nAlso per virtual.\nDefault\n.BR yes .", g.CleanStop && v.CleanStop},
		{"rather than deleting it.\nAlso per virtual.\nDefault\n.BR no .", !g.Quiescent && !v.Quiescent},
		{"Default\n.BR wrr .", v.Scheduler == "wrr"},
		{"Default\n.BR /bin/true .", v.CheckCommand == "/bin/true"},
		{"Quotes required.\nDefault\n.BR / .", v.Request == "/"},
		{"the status alone).\nDefault\n.BR GET .", v.HTTPMethod == MethodGET},
		{".B negotiate\n(default)", v.CheckType == CheckNegotiate},
		{"Default\n.BR all .", g.EmailAlertStatus == AlertAll},
		{"weight (default 1)", v.Reals[0].Weight == 1},
	} {
		if !strings.Contains(page, c.says) {
			t.Errorf("%s does not say %q", manPage, c.says)
		} else if !c.ok {
			t.Errorf("%s says %q; the parser disagrees", manPage, c.says)
		}
	}
}

// The page's example is a valid configuration.
func TestManPageExample(t *testing.T) {
	page, _ := manDirectives(t)
	_, rest, ok := strings.Cut(page, ".SH EXAMPLE\n.nf\n")
	example, _, ok2 := strings.Cut(rest, ".fi\n")
	if !ok || !ok2 {
		t.Fatalf("%s: no .SH EXAMPLE with .nf/.fi", manPage)
	}
	cfg, err := parseString(t, example)
	if err != nil {
		t.Fatalf("the example does not parse: %v\n%s", err, example)
	}
	if len(cfg.Virtuals) != 2 || len(cfg.Table()) != 2 {
		t.Errorf("the example has %d virtuals, %d in the table; want 2", len(cfg.Virtuals), len(cfg.Table()))
	}
}
