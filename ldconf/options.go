package ldconf

import (
	"context"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
)

// Resolver turns host and service names into addresses and ports, the way
// ldirectord uses getaddrinfo and getservbyname. Tests pass a fake so they
// never depend on /etc/hosts, /etc/services or DNS.
type Resolver interface {
	// LookupHost returns the first address of name in the family (a
	// numeric address of that family is returned as is).
	LookupHost(ctx context.Context, name string, family Family) (netip.Addr, error)
	// LookupPort returns the port of a service name for protocol "tcp",
	// "udp" or "" (any protocol).
	LookupPort(ctx context.Context, name, protocol string) (int, error)
}

// FS is the file system as the parser sees it: ldirectord opens the log
// and monitor files for appending while parsing, and tests the maintenance
// directory. Tests pass a fake.
type FS interface {
	// OpenAppend creates path if needed and opens it for appending, then
	// closes it, like Perl's open(F, ">>path").
	OpenAppend(path string) error
	IsDir(path string) bool
	IsFile(path string) bool
	ReadFile(path string) ([]byte, error)
}

// Options configure Parse, Load and Resolve.
type Options struct {
	Resolver Resolver
	FS       FS
	// Hostname makes the ftp/sip default logins (ldirectord@HOSTNAME);
	// default $HOSTNAME, else the kernel's host name.
	Hostname string
	// Debug is ldirectord's -d: the logfile is not opened while parsing.
	Debug bool
	// HADir is where bare configuration names are looked up
	// (default /etc/ha.d; its conf/ subdirectory is tried second).
	HADir string
	// Context bounds name resolution (default context.Background()).
	Context context.Context
}

// Option sets one of the Options.
type Option func(*Options)

// WithResolver replaces the system resolver.
func WithResolver(r Resolver) Option { return func(o *Options) { o.Resolver = r } }

// WithFS replaces the operating system's file system.
func WithFS(fs FS) Option { return func(o *Options) { o.FS = fs } }

// WithHostname sets the host name used in default logins.
func WithHostname(h string) Option { return func(o *Options) { o.Hostname = h } }

// WithDebug mimics ldirectord -d (no logfile is opened while parsing).
func WithDebug(d bool) Option { return func(o *Options) { o.Debug = d } }

// WithHADir replaces /etc/ha.d for Resolve.
func WithHADir(dir string) Option { return func(o *Options) { o.HADir = dir } }

// WithContext bounds name resolution.
func WithContext(ctx context.Context) Option { return func(o *Options) { o.Context = ctx } }

// ResolverOf is the Resolver opts make Load use (SystemResolver unless
// WithResolver says otherwise), for names given elsewhere than in a file.
func ResolverOf(opts ...Option) Resolver { return buildOptions(opts).Resolver }

func buildOptions(opts []Option) *Options {
	o := &Options{}
	for _, f := range opts {
		f(o)
	}
	if o.Resolver == nil {
		o.Resolver = SystemResolver{}
	}
	if o.FS == nil {
		o.FS = OSFS{}
	}
	if o.HADir == "" {
		o.HADir = "/etc/ha.d"
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Hostname == "" {
		o.Hostname = os.Getenv("HOSTNAME")
		if o.Hostname == "" {
			o.Hostname, _ = os.Hostname()
		}
	}
	return o
}

// OSFS is the real file system.
type OSFS struct{}

// CreateMode is the mode of a logfile= or monitorfile= the parser
// creates: what the director logs can say what its checks saw, so others
// get no access (an existing file keeps its mode).
const CreateMode = 0o640

// OpenAppend implements FS.
func (OSFS) OpenAppend(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, CreateMode)
	if err != nil {
		return err
	}
	return f.Close()
}

// IsDir implements FS.
func (OSFS) IsDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// IsFile implements FS (Perl's -f: a regular file, symlinks followed).
func (OSFS) IsFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// ReadFile implements FS.
func (OSFS) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

// ProbeFS is the real file system read-only: OpenAppend tells whether
// root could open the file for appending, without creating or touching
// it, for `ldirectord --check` (which needs no root and changes nothing).
// Permissions are not judged: the daemon runs as root.
type ProbeFS struct{ OSFS }

// OpenAppend implements FS.
func (ProbeFS) OpenAppend(path string) error {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
		}
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: syscall.ENOENT}
	}
	if !st.IsDir() {
		return &fs.PathError{Op: "open", Path: path, Err: syscall.ENOTDIR}
	}
	return nil
}
