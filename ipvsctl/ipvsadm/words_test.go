package ipvsadm

import "testing"

func TestWords(t *testing.T) {
	find := func(ws []Word, long string) (Word, int) {
		n, w := 0, Word{}
		for _, x := range ws {
			if x.Long == long {
				n, w = n+1, x
			}
		}
		return w, n
	}
	plain, ext := Words(false), Words(true)
	for long, want := range map[string]Word{
		"list":           {Long: "list", Short: 'L'},
		"tcp-service":    {Long: "tcp-service", Short: 't', Arg: true},
		"persistent":     {Long: "persistent", Short: 'p', OptionalArg: true},
		"start-daemon":   {Long: "start-daemon", Arg: true},
		"tun-remcsum":    {Long: "tun-remcsum"},
		"sched-flags":    {Long: "sched-flags", Short: 'b', Arg: true},
		"mcast-ttl":      {Long: "mcast-ttl", Arg: true},
		"edit-server":    {Long: "edit-server", Short: 'e'},
		"fwmark-service": {Long: "fwmark-service", Short: 'f', Arg: true},
	} {
		if w, n := find(plain, long); n != 1 || w != want {
			t.Errorf("%s: %d rows, %+v; want one, %+v", long, n, w, want)
		}
	}
	for _, long := range []string{"json", "atomic"} {
		if _, n := find(plain, long); n != 0 {
			t.Errorf("ipvsadm's grammar has --%s", long)
		}
		if _, n := find(ext, long); n != 1 {
			t.Errorf("lvsctl's grammar has %d --%s", n, long)
		}
	}
	if len(ext) != len(plain)+2 {
		t.Errorf("%d words with the extensions, %d without", len(ext), len(plain))
	}
}
