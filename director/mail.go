package director

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/lvsctl/lvsctl/internal/proc"
	"github.com/lvsctl/lvsctl/ldconf"
)

// Mail is one e-mail alert.
type Mail struct {
	SMTP    string // server (host or host:port); "" → local sendmail
	From    string // emailalertfrom; "" → user@host
	To      string // emailalert, comma separated
	Subject string
	Body    string
}

// MailFunc sends one alert.
type MailFunc func(ctx context.Context, m Mail) error

// alerts is ldirectord's e-mail alerting: which events are mailed, and
// the "Inaccessible real server" reminders of emailalertfreq. It runs on
// the reconciler goroutine; sending happens in the virtual's mail lane
// (commands.go), so that a slow SMTP server never delays a table write
// or another virtual's alerts, and one virtual's alerts keep their order.
type alerts struct {
	log    *Logger
	q      *commands
	send   MailFunc
	from   func() string
	now    func() time.Time
	status ldconf.AlertStatus // the daemon's state, as emailalertstatus names it
	// open are the outages to re-alert: "SERVER (VIP)" → last alert.
	open map[string]openAlert
}

type openAlert struct {
	vs   *vstate
	at   time.Time
	addr string
}

// event is ld_emailalert_send for a table event.
func (a *alerts) event(vs *vstate, server, msg string, track bool) {
	id := server + " (" + vs.v.Name() + ")"
	if !track || vs.v.EmailAlertFreq == 0 {
		delete(a.open, id)
	} else {
		a.open[id] = openAlert{vs: vs, at: a.now(), addr: server}
	}
	a.mail(vs, msg)
}

// resend is ld_emailalert_resend.
func (a *alerts) resend() {
	now := a.now()
	for id, o := range a.open {
		if now.Sub(o.at) < o.vs.v.EmailAlertFreq {
			continue
		}
		a.open[id] = openAlert{vs: o.vs, at: now, addr: o.addr}
		a.mail(o.vs, "Inaccessible real server: "+id)
	}
}

// forget drops reminders of a replaced plan.
func (a *alerts) forget() { a.open = map[string]openAlert{} }

func (a *alerts) mail(vs *vstate, subject string) {
	v := vs.v
	if a.status&v.EmailAlertStatus == 0 || v.EmailAlert == "" {
		return
	}
	a.log.Log("emailalert: " + subject)
	if v.ServiceName != "" {
		subject = "[" + v.ServiceName + "] " + subject
	}
	host, _ := os.Hostname()
	body := fmt.Sprintf("ldirectord host: %s\nLog-Message: %s\nDaemon-Status: %s\n", host, subject, statusName(a.status))
	var extra string
	if v.ServiceName != "" {
		extra += "Service name: " + v.ServiceName + "\n"
	}
	if v.Comment != "" {
		extra += "Comment: " + v.Comment + "\n"
	}
	if extra != "" {
		body += "\n" + extra + "\n"
	}
	m := Mail{SMTP: v.SMTP, From: a.from(), To: v.EmailAlert, Subject: subject, Body: body}
	// ldirectord's two texts: Net::SMTP's and Mail::Send's.
	what := "SMTP email message"
	if m.SMTP == "" {
		what = "email message"
	}
	a.q.do("mail "+v.ID(), command{what: "sending the " + what + " " + strconv.Quote(m.Subject),
		run:  func(ctx context.Context) error { return a.send(ctx, m) },
		fail: func(err error) { a.log.Printf("failed to send %s: %v", what, err) },
	})
}

func statusName(s ldconf.AlertStatus) string {
	switch s {
	case ldconf.AlertStarting:
		return "starting"
	case ldconf.AlertRunning:
		return "running"
	case ldconf.AlertStopping:
		return "stopping"
	case ldconf.AlertReloading:
		return "reloading"
	}
	return "UNKNOWN"
}

// defaultFrom is Net::SMTP's envelope sender in ldirectord: user@host.
func defaultFrom() string {
	name := "root"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

// sendmailPaths are where Mail::Mailer (ldirectord's Mail::Send) looks
// for sendmail, in order.
var sendmailPaths = []string{"/usr/sbin/sendmail", "/usr/lib/sendmail", "/usr/ucblib/sendmail"}

// SendMail delivers m over SMTP (port 25 unless given), bounded by a
// minute and by ctx, or through sendmail (in a process group of its own,
// killed with it when ctx ends) when no server is configured, as
// ldirectord's Mail::Send does: `sendmail -t`, the To, Subject and (if
// emailalertfrom is set) From headers, then the body; sendmail sets the
// sender.
func SendMail(ctx context.Context, m Mail) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if m.SMTP == "" {
		return sendmail(ctx, m)
	}
	to := splitAddrs(m.To)
	sender := defaultFrom()
	msg := "From: " + firstNonEmpty(m.From, sender) + "\r\nTo: " + m.To + "\r\nSubject: " + m.Subject + "\r\n\r\n" +
		strings.ReplaceAll(m.Body, "\n", "\r\n")
	addr := m.SMTP
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "25")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Mail(sender); err != nil {
		return fmt.Errorf("smtp MAIL: %w", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("smtp RCPT %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp QUIT: %w", err)
	}
	return nil
}

func sendmail(ctx context.Context, m Mail) error {
	bin := ""
	for _, p := range sendmailPaths {
		if isExecutable(p) { // Mail::Mailer's is_exe: -x and not -d
			bin = p
			break
		}
	}
	if bin == "" {
		return fmt.Errorf("sendmail: none of %s", strings.Join(sendmailPaths, ", "))
	}
	msg := "To: " + m.To + "\nSubject: " + m.Subject + "\n"
	if m.From != "" {
		msg += "From: " + m.From + "\n"
	}
	c := proc.Command(ctx, commandKillGrace, bin, "-t")
	c.Stdin = strings.NewReader(msg + "\n" + m.Body)
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("%s -t: %w: %s", bin, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
