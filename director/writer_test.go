package director

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/testutil"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
	"github.com/lvsctl/lvsctl/ldconf"
)

// countingBatch records how many results each batch reported.
type countingBatch struct {
	*ipvstest.Batching
	batches []int
}

func (c *countingBatch) BeginBatch(done func(error)) {
	c.batches = append(c.batches, 0)
	c.Batching.BeginBatch(func(err error) {
		c.batches[len(c.batches)-1]++
		done(err)
	})
}

// writerCase applies one service's mixed items (a no-op, a restore the
// kernel refuses, a quiesce, a delete, an add, a re-add at weight 0)
// through client and returns the logfile, the alerts and the table.
func writerCase(t *testing.T, fake *ipvstest.Fake, client ipvsctl.Client) (logText, alerts, table string) {
	t.Helper()
	svc := ipvsctl.Service{Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.0.2.1"), Port: 80, Scheduler: "wrr"}
	mustDo(t, fake.AddService(&svc))
	dest := func(last byte, w int32) ipvsctl.Destination {
		return ipvsctl.Destination{Address: netip.AddrFrom4([4]byte{10, 0, 0, last}), Port: 80, Weight: w, FwdMethod: ipvsctl.FwdRoute}
	}
	for _, d := range []ipvsctl.Destination{dest(1, 5), dest(2, 0), dest(3, 5), dest(4, 5)} {
		mustDo(t, fake.AddDestination(&svc, &d))
	}
	fake.FailNext("UpdateDestination", errors.New("refused"))
	fake.ResetCalls()

	logfile := filepath.Join(t.TempDir(), "ld.log")
	log := NewLogger(&testutil.SyncBuffer{}, &testutil.SyncBuffer{}, "ld.cf")
	log.Configure(false, false, logfile)
	log.now = func() time.Time { return time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC) }
	var sent strings.Builder
	w := &writer{c: client, log: log, alert: func(_ *vstate, server, msg string, track bool) {
		fmt.Fprintf(&sent, "%s|%s|%v\n", server, msg, track)
	}}
	vs := &vstate{v: &ldconf.Virtual{Address: svc.Address, Port: 80, Protocol: ldconf.TCP}, svc: svc}
	dests, err := fake.Destinations(&svc)
	mustDo(t, err)
	cur := map[ipvsctl.DestinationKey]ipvsctl.Destination{}
	for _, d := range dests {
		cur[d.Key()] = d
	}
	w.applyTo(vs, []item{
		{dest: dest(1, 5), written: 80, want: wantUp, tag: "real"},
		{dest: dest(2, 5), written: 80, want: wantUp, tag: "real"},
		{dest: dest(3, 5), written: 80, want: wantQuiesce, tag: "real"},
		{dest: dest(4, 5), written: 80, want: wantAbsent, tag: "real"},
		{dest: dest(5, 5), written: 80, want: wantUp, tag: "real"},
		{dest: dest(6, 5), written: 80, want: wantQuiesceReadd, tag: "fallback"},
	}, cur)
	// The refused restore is owed, and only it.
	refused := dest(2, 5)
	if o := vs.owed[refused.Key()]; len(vs.owed) != 1 || o == nil || o.err != "refused" {
		t.Errorf("owed %v: want the refused restore of 10.0.0.2", vs.owed)
	}
	b, err := os.ReadFile(logfile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), sent.String(), fake.Dump() + strings.Join(fake.Calls(), "\n")
}

// Pipelined writes log, alert and leave the table exactly as writes made
// one at a time, a refused one included, and go in one batch. A refused
// write is logged as refused, never as done.
func TestWriterPipelinedSameAsDirect(t *testing.T) {
	direct := ipvstest.NewFake()
	logD, alertsD, tableD := writerCase(t, direct, direct)
	piped := ipvstest.NewFake()
	batch := &countingBatch{Batching: ipvstest.NewBatching(piped)}
	logP, alertsP, tableP := writerCase(t, piped, batch)

	p := fmt.Sprintf("[Sun Nov 22 14:00:00 2026|ld.cf|%d] ", os.Getpid())
	wantLog := p + "ipvsadm -e -t 192.0.2.1:80 -x 0 -y 0 -r 10.0.0.2:80 -g -w 5 failed: refused (will retry)\n" +
		p + "Quiescent real server: 10.0.0.3:80 (192.0.2.1:80) (Weight set to 0)\n" +
		p + "Deleted real server: 10.0.0.4:80 (192.0.2.1:80)\n" +
		p + "Added real server: 10.0.0.5:80 (192.0.2.1:80) (Weight set to 5)\n" +
		p + "Readd Quiescent fallback server: 10.0.0.6:80 (192.0.2.1:80) (Weight set to 0)\n"
	if logD != wantLog {
		t.Errorf("direct log:\n%s\nwant:\n%s", logD, wantLog)
	}
	if logP != logD || alertsP != alertsD || tableP != tableD {
		t.Errorf("pipelined:\n%s\n%s\n%s\ndirect:\n%s\n%s\n%s", logP, alertsP, tableP, logD, alertsD, tableD)
	}
	if len(batch.batches) != 1 || batch.batches[0] != 5 {
		t.Errorf("batches %v: want one of 5 writes", batch.batches)
	}
}

// Held lines reach the logfile only at Release, in order, each with the
// time it was logged; lines that cannot be written go to stderr.
func TestLoggerHoldRelease(t *testing.T) {
	dir := t.TempDir()
	logfile := filepath.Join(dir, "ld.log")
	stderr := &testutil.SyncBuffer{}
	log := NewLogger(&testutil.SyncBuffer{}, stderr, "ld.cf")
	log.Configure(false, false, logfile)
	at := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	log.now = func() time.Time { at = at.Add(time.Second); return at }
	log.Hold()
	log.Log("one")
	log.Log("two")
	if _, err := os.Stat(logfile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("logfile written while held: %v", err)
	}
	log.Release()
	log.Log("three")
	p := fmt.Sprintf("|ld.cf|%d] ", os.Getpid())
	want := "[Sun Nov 22 14:00:01 2026" + p + "one\n[Sun Nov 22 14:00:02 2026" + p + "two\n[Sun Nov 22 14:00:03 2026" + p + "three\n"
	if got := readFile(t, logfile); got != want {
		t.Errorf("logfile:\n%s\nwant:\n%s", got, want)
	}

	log.Configure(false, false, filepath.Join(dir, "missing", "ld.log"))
	log.Hold()
	log.Log("four")
	log.Log("five")
	log.Release()
	if got := stderr.String(); got != "four\nfive\n" {
		t.Errorf("stderr %q: want the unwritable lines", got)
	}
}
