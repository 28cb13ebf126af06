package director

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lvsctl/lvsctl/ldconf"
)

// perlTime is Perl's scalar localtime(): "Sat Nov 21 20:22:38 2026".
const perlTime = "Mon Jan _2 15:04:05 2006"

// FileMode is the mode of a log or monitor file the director creates, as
// the parser creates them (ldconf.CreateMode).
const FileMode = ldconf.CreateMode

// Logger writes ldirectord's log lines. Where they go is decided as in
// ld_log: -d → stderr (each line preceded by its DEBUG2 echo),
// supervised → stdout with a date, a logfile starting with "/" → that
// file, opened per line so log rotation needs no signal, anything else →
// syslog with that facility. Safe for concurrent use; Configure may be
// called again on reload.
type Logger struct {
	mu         sync.Mutex
	debug      bool
	supervised bool
	logfile    string
	cfgName    string
	pid        int
	stdout     io.Writer
	stderr     io.Writer
	sys        *syslog.Writer
	sysFac     string
	// sysAddr is the syslog socket ("" → the system's, /dev/log).
	sysAddr string
	now     func() time.Time
	// held: logfile lines wait in heldText (their messages in heldMsgs,
	// for stderr if the file cannot be written) until Release.
	held     bool
	heldText []byte
	heldMsgs []string
}

// NewLogger returns a logger writing to the given streams; cfgName is the
// configuration's base name, shown in logfile lines.
func NewLogger(stdout, stderr io.Writer, cfgName string) *Logger {
	return &Logger{stdout: stdout, stderr: stderr, cfgName: cfgName, pid: os.Getpid(),
		logfile: "/var/log/ldirectord.log", now: time.Now}
}

// Configure sets the destination from -d, supervised= and logfile=.
func (l *Logger) Configure(debug, supervised bool, logfile string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.debug, l.supervised, l.logfile = debug, supervised, logfile
	l.pid = os.Getpid()
	if l.sys != nil && l.sysFac != logfile {
		l.sys.Close()
		l.sys = nil
	}
}

// Debug reports whether -d is in effect.
func (l *Logger) Debug() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.debug
}

// Printf logs one message.
func (l *Logger) Printf(format string, args ...any) { l.Log(fmt.Sprintf(format, args...)) }

// Log logs one message (one trailing newline is dropped, like chomp).
func (l *Logger) Log(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg = strings.TrimSuffix(msg, "\n")
	switch {
	case l.debug:
		fmt.Fprintf(l.stderr, "DEBUG2: %s\n%s\n", msg, msg)
	case l.supervised:
		fmt.Fprintf(l.stdout, "[%s] %s\n", l.now().Format(perlTime), msg)
	case strings.HasPrefix(l.logfile, "/"):
		line := fmt.Sprintf("[%s|%s|%d] %s\n", l.now().Format(perlTime), l.cfgName, l.pid, msg)
		if l.held {
			l.heldText = append(l.heldText, line...)
			l.heldMsgs = append(l.heldMsgs, msg)
			return
		}
		if err := appendFile(l.logfile, line); err != nil {
			fmt.Fprintf(l.stderr, "%s\n", msg)
		}
	default:
		l.syslog(msg)
	}
}

// Hold keeps logfile lines back until Release writes them with one open
// and write: a pass that restores a thousand reals logs a thousand lines,
// and each line alone is an open, a write and a close. Each line keeps
// the time it was logged at, and the file is still opened afresh per
// write (log rotation needs no signal).
func (l *Logger) Hold() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = true
}

// Release writes the lines held since Hold and stops holding.
func (l *Logger) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = false
	if len(l.heldText) == 0 {
		return
	}
	if err := appendFile(l.logfile, string(l.heldText)); err != nil {
		for _, msg := range l.heldMsgs {
			fmt.Fprintf(l.stderr, "%s\n", msg)
		}
	}
	l.heldText, l.heldMsgs = l.heldText[:0], l.heldMsgs[:0]
}

// Debugf prints a DEBUGn line with -d only.
func (l *Logger) Debugf(level int, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.debug {
		fmt.Fprintf(l.stderr, "DEBUG%d: %s\n", level, strings.TrimSuffix(fmt.Sprintf(format, args...), "\n"))
	}
}

func (l *Logger) syslog(msg string) {
	if l.sys == nil {
		var w *syslog.Writer
		var err error
		if l.sysAddr == "" {
			w, err = syslog.New(facility(l.logfile)|syslog.LOG_INFO, "ldirectord")
		} else {
			w, err = syslog.Dial("unixgram", l.sysAddr, facility(l.logfile)|syslog.LOG_INFO, "ldirectord")
		}
		if err != nil {
			fmt.Fprintf(l.stderr, "%s\n", msg)
			return
		}
		l.sys, l.sysFac = w, l.logfile
	}
	if err := l.sys.Info(msg); err != nil {
		fmt.Fprintf(l.stderr, "%s\n", msg)
	}
}

// Close releases the syslog connection, if any.
func (l *Logger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sys != nil {
		l.sys.Close()
		l.sys = nil
	}
}

var facilities = map[string]syslog.Priority{
	"kern": syslog.LOG_KERN, "user": syslog.LOG_USER, "mail": syslog.LOG_MAIL,
	"daemon": syslog.LOG_DAEMON, "auth": syslog.LOG_AUTH, "syslog": syslog.LOG_SYSLOG,
	"lpr": syslog.LOG_LPR, "news": syslog.LOG_NEWS, "uucp": syslog.LOG_UUCP,
	"cron": syslog.LOG_CRON, "authpriv": syslog.LOG_AUTHPRIV, "ftp": syslog.LOG_FTP,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2,
	"local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5,
	"local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// facility maps a logfile= facility name; unknown names fall back to
// daemon rather than losing the messages.
func facility(name string) syslog.Priority {
	if p, ok := facilities[strings.ToLower(name)]; ok {
		return p
	}
	return syslog.LOG_DAEMON
}

// appendFile opens, appends and closes, as ldirectord does for its log
// and monitor files. A file it creates is the owner's and the group's to
// read (FileMode); an admin's existing file keeps its mode.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, FileMode)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	_, werr := f.WriteString(text)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("write %s: %w", path, werr)
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", path, cerr)
	}
	return nil
}
