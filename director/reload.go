package director

import (
	"context"
	"os"

	"github.com/lvsctl/lvsctl/ldconf"
)

// reload is reread_config: parse the whole file first; on any error keep
// running the old configuration and table and log why.
func (d *daemon) reload() {
	o := d.o
	d.alerts.status = ldconf.AlertReloading
	defer func() { d.alerts.status = ldconf.AlertRunning }()
	cfg, err := o.Load()
	var p *plan
	if err == nil {
		p, err = newPlan(cfg, o.NewChecker)
	}
	if err != nil {
		o.Log.Log(ConfigErrorText(err, o.ConfigName, os.Getpid()))
		return
	}
	// The table is read before anything is stopped: if it cannot be, the
	// running configuration carries on and the reload is tried again.
	tab, err := d.eng.readTable(p)
	if err != nil {
		o.Log.Printf("Could not read the IPVS table: %v; the running configuration stays until it can be read (will retry)", err)
		d.reloadPending = true
		return
	}
	d.reloadPending = false
	for _, w := range cfg.Warnings {
		o.Log.Log(ConfigWarningText(w, o.ConfigName, os.Getpid()))
	}
	old := d.cfg
	d.stopProbers()
	d.board.reset()
	d.alerts.forget()
	o.Log.Configure(o.Log.Debug(), cfg.Global.Supervised, cfg.Global.LogFile)
	d.reexecute(old.Global.Execute, cfg.Global.Execute)
	d.cfg = cfg
	d.q.setTimeout(cfg.Global.CommandTimeoutOrDefault())
	d.warnPersistence()
	d.eng.sync(p, d.eng.plan, tab)
	d.bgpConfigure()
	d.startProbers(p)
	d.sweep.Reset(d.sweepEvery())
}

// configChanged is the rest of check_cfgfile: log, reload if autoreload,
// and run the callback.
func (d *daemon) configChanged() {
	o := d.o
	o.Log.Printf("Configuration file '%s' has changed on disk", o.ConfigName)
	g := d.cfg.Global
	if g.AutoReload {
		o.Log.Log(" - reread new configuration")
		d.reload()
	} else {
		o.Log.Log(" - ignore new configuration\n")
	}
	// The callback of the configuration in force after the change.
	if cb := d.cfg.Global.Callback; cb != "" && isExecutable(cb) {
		d.q.system("callback", cb+" "+o.ConfigName, o.Shell)
	}
}

// execute runs `ldirectord NAME ACTION` for each execute= name.
func (d *daemon) execute(names []string, action string) {
	if d.o.Execute == nil {
		return
	}
	for _, n := range names {
		d.q.do("execute "+n, command{what: "system(ldirectord " + n + " " + action + ")",
			run: func(ctx context.Context) error { return d.o.Execute(ctx, n, action) }})
	}
}

// reexecute is reread_config's handling of execute=: stop the removed
// names, reload (or start, if reload fails) the kept ones, start the new.
func (d *daemon) reexecute(old, cur []string) {
	if d.o.Execute == nil {
		return
	}
	was, is := map[string]bool{}, map[string]bool{}
	for _, n := range old {
		was[n] = true
	}
	for _, n := range cur {
		is[n] = true
	}
	var stop, start []string
	for _, n := range old {
		if !is[n] {
			stop = append(stop, n)
		}
	}
	d.execute(stop, "stop")
	for _, n := range cur {
		if !was[n] {
			start = append(start, n)
			continue
		}
		d.q.do("execute "+n, command{what: "system(ldirectord " + n + " reload)",
			run: func(ctx context.Context) error {
				if d.o.Execute(ctx, n, "reload") == nil {
					return nil
				}
				return d.o.Execute(ctx, n, "start")
			},
			fail: func(err error) { d.o.Log.Printf("system(ldirectord %s start) failed: %v", n, err) },
		})
	}
	d.execute(start, "start")
}

// warnPersistence surfaces the persistence trap: with quiescent=yes a
// persistent virtual keeps sending a client to a quiesced real until its
// template expires (the client sees an outage if the real is down),
// unless the kernel is told to expire templates of quiesced servers.
func (d *daemon) warnPersistence() {
	b, err := os.ReadFile(d.o.ExpireQuiescentPath)
	if err != nil || len(b) == 0 || b[0] != '0' {
		return
	}
	for _, v := range d.cfg.Virtuals {
		if v.Persistent && v.Quiescent {
			d.o.Log.Printf("Warning: virtual server %s is persistent with quiescent=yes but %s is 0: "+
				"clients stay on a quiesced real server until their persistence template expires "+
				"(set it to 1)", v.Name(), d.o.ExpireQuiescentPath)
		}
	}
}
