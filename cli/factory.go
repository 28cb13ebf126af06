package cli

import (
	"time"

	"github.com/lvsctl/lvsctl/internal/daemon"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Factory is what every command takes from the process it runs in: its
// streams and the system it acts on. Main's is NewFactory's; a test
// builds one on fakes and temporary directories. Each command copies
// what it uses into its options, which its runF receives.
type Factory struct {
	IOStreams *IOStreams
	// OpenIPVS opens a client of the kernel's IPVS table.
	OpenIPVS func() (ipvsctl.Client, error)
	// ConnFile is the kernel's table of IPVS connections.
	ConnFile string
	// Resolver names hosts and services as ipvsadm does.
	Resolver ipvsadm.Resolver
	// RunDir holds the directors' pid files and status sockets.
	RunDir string

	// HADir is where ldirectord looks for a configuration named without
	// a directory ("": ldconf's, /etc/ha.d).
	HADir string
	// LogFile is ldirectord's default log file.
	LogFile string
	// Spawn starts the ldirectord daemon; Signals delivers a director's
	// stop and reload signals.
	Spawn   daemon.SpawnFunc
	Signals daemon.SignalsFunc
	// StopWait bounds how long stop and restart wait for a daemon to end.
	StopWait time.Duration
	// ConfigOptions come after ldconf's defaults (tests: a static
	// resolver).
	ConfigOptions []ldconf.Option
}

// NewFactory is the factory of a process with streams ios.
func NewFactory(ios *IOStreams) *Factory {
	return &Factory{
		IOStreams: ios,
		OpenIPVS:  OpenKernel,
		ConnFile:  ipvsctl.ConnProcFile,
		Resolver:  ipvsadm.NewSystemResolver(),
		RunDir:    daemon.RunDir,
		LogFile:   "/var/log/ldirectord.log",
		Spawn: func(argv []string, s daemon.Settings) error {
			return daemon.Spawn(argv, s, time.Minute)
		},
		Signals:  daemon.Signals,
		StopWait: daemon.StopWait,
	}
}

// configOptions are ldconf's options for this process.
func (f *Factory) configOptions(debug bool) []ldconf.Option {
	opts := []ldconf.Option{ldconf.WithDebug(debug)}
	if f.HADir != "" {
		opts = append(opts, ldconf.WithHADir(f.HADir))
	}
	return append(opts, f.ConfigOptions...)
}
