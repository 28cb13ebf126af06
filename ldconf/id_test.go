package ldconf

import "testing"

func TestIDs(t *testing.T) {
	c := mustParse(t, "virtual=192.0.2.10:80\n\treal=10.0.0.2:8080 gate 2\n\treceive=\"o k\"\n\nvirtual6=5\n\tchecktype=external\n\tcheckcommand=/bin/chk\n\treal6=[2001:db8::2] masq\n")
	v := c.Virtuals[0]
	if v.ID() != "tcp:192.0.2.10:80" || v.Name() != "192.0.2.10:80" {
		t.Errorf("ids: %q %q", v.ID(), v.Name())
	}
	if got := v.RealID(v.Reals[0]); got != `negotiate:http:tcp:10.0.0.2:8080:::2:gate:\/:o\ k` {
		t.Errorf("real id: %q", got)
	}
	w := c.Virtuals[1]
	if w.ID() != "fwm6:5" || w.Name() != "5" {
		t.Errorf("fwm6 ids: %q %q", w.ID(), w.Name())
	}
	if got := w.RealID(w.Reals[0]); got != `external:/bin/chk:fwm:[2001:db8::2]:0:::1:masq:\/:` {
		t.Errorf("fwm real id: %q", got)
	}
}
