package director

import (
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

const twoReals = `
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate 2
	real=10.0.0.3:80 gate 3
	checktype=connect
`

func TestStartAddsHealthyReals(t *testing.T) {
	h := newHarness(t, twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
	h.waitLog("Added virtual server: 192.168.100.1:80")
	h.waitLog("Added real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 2)")
}

func TestQuiescentNoDeletesAndReadds(t *testing.T) {
	h := newHarness(t, twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
	h.health.set("10.0.0.3", false)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
	h.waitLog("Deleted real server: 10.0.0.3:80 (192.168.100.1:80)")
	h.health.set("10.0.0.3", true)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
}

func TestQuiescentYesKeepsEntryAtZero(t *testing.T) {
	h := newHarness(t, "quiescent=yes\n"+twoReals)
	h.health.set("10.0.0.2", true)
	h.start()
	// Down from the start: present at weight 0 (ldirectord's force up,
	// then quiesce), not absent.
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 0
`)
	h.health.set("10.0.0.3", true)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
	h.waitLog("Restored real server: 10.0.0.3:80 (192.168.100.1:80) (Weight set to 3)")
	h.health.set("10.0.0.2", false)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 0
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
	h.waitLog("Quiescent real server: 10.0.0.2:80 (192.168.100.1:80) (Weight set to 0)")
}

func TestQuiescentGatePortMappedRestores(t *testing.T) {
	// The kernel stores this gate real under the virtual's port 80;
	// ldirectord 4.12 looks it up under 8080 and so leaves it at weight 0
	// forever (a deliberate difference, docs/compat.md).
	h := newHarness(t, `quiescent=yes
virtual=192.168.100.1:80
	real=10.0.0.2:8080 gate 5
	checktype=connect
`)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 0
`)
	h.health.set("10.0.0.2", true)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 5
`)
	h.health.set("10.0.0.2", false)
	h.waitLog("Quiescent real server: 10.0.0.2:80 mapped from 10.0.0.2:8080 (192.168.100.1:80) (Weight set to 0)")
}

func TestFailureCountHysteresis(t *testing.T) {
	h := newHarness(t, "failurecount=3\n"+twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	full := `
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`
	h.waitTable(full)
	h.health.set("10.0.0.3", false)
	h.waitLog("Soft failure real server: 10.0.0.3:80 (tcp:192.168.100.1:80) failure 1/3")
	h.waitLog("Soft failure real server: 10.0.0.3:80 (tcp:192.168.100.1:80) failure 2/3")
	if strings.Contains(h.logs.String(), "Deleted real server: 10.0.0.3") {
		t.Fatalf("deleted before the third failure:\n%s", h.logs)
	}
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
	h.health.set("10.0.0.3", true)
	h.waitTable(full)
	h.waitLog("Resetting soft failure count: 10.0.0.3:80 (tcp:192.168.100.1:80)")
}

func TestFailureCountOneFlapResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, "failurecount=3\n"+twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		// One failure then success: never removed.
		h.health.set("10.0.0.3", false)
		h.waitLog("failure 1/3")
		h.health.set("10.0.0.3", true)
		h.waitLog("Resetting soft failure count: 10.0.0.3:80")
		h.settle()
		if strings.Contains(h.logs.String(), "Deleted real server") {
			t.Fatalf("a single failure removed the real:\n%s", h.logs)
		}
	})
}

func TestFallbackAndFallbackCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, `fallback=127.0.0.1:80
fallbackcommand=/x/fb.sh arg
virtual=192.168.100.1:80
	real=10.0.0.2:80 masq
	checktype=connect
`)
		h.start()
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 127.0.0.1:80 -g -w 1
`)
		h.waitLog("Added fallback server: 127.0.0.1:80 (192.168.100.1:80) (Weight set to 1)")
		h.health.set("10.0.0.2", true)
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -m -w 1
`)
		h.waitLog("Deleted fallback server: 127.0.0.1:80 (192.168.100.1:80)")
		h.health.set("10.0.0.2", false)
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 127.0.0.1:80 -g -w 1
`)
		h.settle()
		want := "/x/fb.sh arg start 192.168.100.1:80 tcp\n/x/fb.sh arg stop 192.168.100.1:80 tcp\n/x/fb.sh arg start 192.168.100.1:80 tcp\n"
		if got := h.cmds.String(); got != want {
			t.Fatalf("fallback commands:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestRestartRestoresWeightZero(t *testing.T) {
	// After a restart, a real a previous run left at weight 0 must get its
	// weight back once its check passes, or it never gets traffic again.
	h := newHarness(t, twoReals)
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.1"), Port: 80, Scheduler: "wrr", Netmask: 0xffffffff}
	mustDo(t, h.fake.AddService(&svc))
	mustDo(t, h.fake.AddDestination(&svc, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 0}))
	mustDo(t, h.fake.AddDestination(&svc, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.3"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 3}))
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
	h.waitLog("Changed virtual server: 192.168.100.1:80")
}

func TestStartupSyncAdoptsPurgesAndLeavesOthers(t *testing.T) {
	h := newHarness(t, twoReals)
	managed := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.1"), Port: 80, Scheduler: "wrr", Netmask: 0xffffffff}
	other := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.9"), Port: 80, Scheduler: "rr", Netmask: 0xffffffff}
	mustDo(t, h.fake.AddService(&managed))
	mustDo(t, h.fake.AddService(&other))
	mustDo(t, h.fake.AddDestination(&managed, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 2}))
	mustDo(t, h.fake.AddDestination(&managed, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.9"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 1}))
	mustDo(t, h.fake.AddDestination(&other, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.9"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 1}))
	h.fake.ResetCalls()
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
-A -t 192.168.100.9:80 -s rr
-a -t 192.168.100.9:80 -r 10.0.0.9:80 -g -w 1
`)
	h.waitLog("Purged real server (start): 10.0.0.9:80 (192.168.100.1:80)")
	// The adopted, up real is not rewritten; the service is equal, so no -E.
	want := []string{
		"-d -t 192.168.100.1:80 -r 10.0.0.9:80",
		"-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3",
	}
	assertCalls(t, h.fake.Calls(), want)
}

func TestOneWriterMinimalDiff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, twoReals)
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		h.waitLog("Added real server: 10.0.0.2:80")
		h.settle()
		h.fake.ResetCalls()
		h.health.set("10.0.0.3", false)
		h.waitLog("Deleted real server: 10.0.0.3:80")
		h.settle()
		assertCalls(t, h.fake.Calls(), []string{"-d -t 192.168.100.1:80 -r 10.0.0.3:80"})
	})
}

func TestManualWeightEditPersists(t *testing.T) {
	// ldirectord 4.12 does not re-apply an up real while it stays up: a
	// weight set by hand survives until the next reload.
	h := newHarness(t, twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitLog("Added real server: 10.0.0.2:80")
	h.waitLog("Added real server: 10.0.0.3:80")
	svc := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.1"), Port: 80}
	mustDo(t, h.fake.UpdateDestination(&svc, &ipvsctl.Destination{Family: ipvsctl.AFInet, Address: netip.MustParseAddr("10.0.0.2"), Port: 80, FwdMethod: ipvsctl.FwdRoute, Weight: 9}))
	h.health.set("10.0.0.3", false)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 9
`)
}

func TestBlackHoleDoesNotDelayOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, `
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	real=10.0.0.3:80 gate
	real=10.0.0.4:80 gate
	checktype=connect
`)
		h.health.blackhole("10.0.0.2")
		h.health.set("10.0.0.3", true)
		h.health.set("10.0.0.4", true)
		start := time.Now()
		h.start()
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 1
-a -t 192.168.100.1:80 -r 10.0.0.4:80 -g -w 1
`)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("healthy reals waited %s for a black hole", d)
		}
		time.Sleep(150 * time.Millisecond)
		if n := h.health.count("10.0.0.3"); n < 2 {
			t.Fatalf("10.0.0.3 checked %d times while 10.0.0.2 hung", n)
		}
	})
}

func TestCleanStop(t *testing.T) {
	h := newHarness(t, `
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	checktype=connect
virtual=192.168.100.2:80
	real=10.0.0.2:80 gate
	checktype=connect
	cleanstop=no
`)
	h.health.set("10.0.0.2", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 1
-A -t 192.168.100.2:80 -s wrr
-a -t 192.168.100.2:80 -r 10.0.0.2:80 -g -w 1
`)
	h.stop()
	h.waitTable(`
-A -t 192.168.100.2:80 -s wrr
-a -t 192.168.100.2:80 -r 10.0.0.2:80 -g -w 1
`)
	h.waitLog("Purged real server (stop): 10.0.0.2:80 (192.168.100.1:80)")
	h.waitLog("Purged virtual server (stop): 192.168.100.1:80")
	h.waitLog("Linux Director Daemon terminated on signal: TERM")
}

func TestReloadAddsRemovesAndChanges(t *testing.T) {
	h := newHarness(t, `
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate 1
	checktype=connect
virtual=192.168.100.2:80
	real=10.0.0.3:80 gate
	checktype=connect
`)
	other := ipvsctl.Service{Family: ipvsctl.AFInet, Protocol: ipvsctl.ProtoTCP, Address: netip.MustParseAddr("192.168.100.9"), Port: 80, Scheduler: "rr", Netmask: 0xffffffff}
	mustDo(t, h.fake.AddService(&other))
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.health.set("10.0.0.4", true)
	h.start()
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 1
-A -t 192.168.100.2:80 -s wrr
-a -t 192.168.100.2:80 -r 10.0.0.3:80 -g -w 1
-A -t 192.168.100.9:80 -s rr
`)
	h.write(`
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate 5
	checktype=connect
virtual=192.168.100.3:80
	real=10.0.0.4:80 gate
	checktype=connect
`)
	h.reload <- struct{}{}
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 5
-A -t 192.168.100.3:80 -s wrr
-a -t 192.168.100.3:80 -r 10.0.0.4:80 -g -w 1
-A -t 192.168.100.9:80 -s rr
`)
	h.waitLog("Reloading Linux Director Daemon config on signal")
	h.waitLog("Purged virtual server (start): 192.168.100.2:80")
}

func TestBadReloadKeepsRunningConfig(t *testing.T) {
	h := newHarness(t, twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	full := `
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`
	h.waitTable(full)
	h.write("virtual=192.168.100.1:80\n\treal=10.0.0.2:80 gate 2\n\tbogus=1\n")
	h.reload <- struct{}{}
	h.waitLog("Error [")
	h.waitLog("reading file " + h.cfgPath + " at line 3: Unknown command")
	// Still checking with the old config: a failure is still acted on.
	h.health.set("10.0.0.3", false)
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
}

func TestAutoreloadOnRename(t *testing.T) {
	h := newHarness(t, "autoreload=yes\n"+twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitLog("Added real server: 10.0.0.3:80")
	// An editor's save: write a new file and rename it over the old.
	tmp := h.cfgPath + ".new"
	writeFile(t, tmp, "autoreload=yes\n"+strings.Replace(twoReals, "gate 3", "gate 7", 1))
	mustDo(t, renameFile(tmp, h.cfgPath))
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 7
`)
	h.waitLog("Configuration file '" + h.cfgPath + "' has changed on disk")
	h.waitLog(" - reread new configuration")
}

func TestAutoreloadNoOnlyLogsAndRunsCallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, `callback="@DIR@/cb.sh"`+"\n"+twoReals)
		writeFile(t, h.dir+"/cb.sh", "#!/bin/sh\n")
		mustDo(t, chmod(h.dir+"/cb.sh", 0o755))
		h.health.set("10.0.0.2", true)
		h.health.set("10.0.0.3", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.3:80")
		// Same content: not a change.
		h.write(`callback="@DIR@/cb.sh"` + "\n" + twoReals)
		h.settle()
		if strings.Contains(h.logs.String(), "has changed on disk") {
			t.Fatal("a rewrite with the same content counted as a change")
		}
		h.write(`callback="@DIR@/cb.sh"` + "\n" + strings.Replace(twoReals, "gate 3", "gate 7", 1))
		h.waitLog(" - ignore new configuration")
		h.settle()
		if got := h.cmds.String(); got != h.dir+"/cb.sh "+h.cfgPath+"\n" {
			t.Fatalf("callback: %q", got)
		}
		if strings.Contains(h.fake.Dump(), "-w 7") {
			t.Fatal("autoreload=no reloaded")
		}
	})
}

func TestMaintenanceDir(t *testing.T) {
	h := newHarness(t, "maintenancedir=@DIR@/maint\n"+twoReals)
	mustDo(t, mkdir(h.dir+"/maint"))
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitLog("Added real server: 10.0.0.3:80")
	writeFile(t, h.dir+"/maint/10.0.0.3:80", "")
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
	mustDo(t, removeFile(h.dir+"/maint/10.0.0.3:80"))
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.168.100.1:80 -r 10.0.0.3:80 -g -w 3
`)
}

func TestCheckTypeOffKeepsInitialState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, `
virtual=192.168.100.1:80
	real=10.0.0.2:80 gate
	checktype=off
`)
		h.health.set("10.0.0.2", true)
		h.start()
		h.settle()
		h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
`)
	})
}

func TestMonitorFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, strings.Replace(twoReals, "checktype=connect", "checktype=connect\n\tmonitorfile=@DIR@/mon.log", 1))
		h.health.set("10.0.0.2", true)
		h.start()
		h.waitLog("Added real server: 10.0.0.2:80")
		h.settle()
		b := readFile(t, h.dir+"/mon.log")
		if !strings.Contains(b, "] connect tcp 10.0.0.2 80 2 gate /  [up] ok\n") || !strings.Contains(b, "] connect tcp 10.0.0.3 80 3 gate /  [down] refused\n") {
			t.Fatalf("monitorfile:\n%s", b)
		}
	})
}

func assertCalls(t testing.TB, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTimeoutCountsAsDownEvenIfUnchanged(t *testing.T) {
	h := newHarness(t, twoReals)
	h.health.set("10.0.0.2", true)
	h.health.set("10.0.0.3", true)
	h.start()
	h.waitLog("Added real server: 10.0.0.3:80")
	h.health.timeoutUnchanged("10.0.0.3")
	h.waitTable(`
-A -t 192.168.100.1:80 -s wrr
-a -t 192.168.100.1:80 -r 10.0.0.2:80 -g -w 2
`)
}

func TestWorkersFor(t *testing.T) {
	for _, c := range []struct{ configured, reals, want int }{
		{0, 1, minWorkers}, {0, 1000, 1000}, {0, 100000, maxWorkers}, {8, 1000, 8},
	} {
		if got := workersFor(c.configured, c.reals); got != c.want {
			t.Errorf("workersFor(%d, %d) = %d, want %d", c.configured, c.reals, got, c.want)
		}
	}
}
