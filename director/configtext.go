package director

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lvsctl/lvsctl/ldconf"
)

// ConfigErrorText words a configuration error as ldirectord's
// config_error does: "Error [PID] reading file CONFIG at line N: MSG\n".
func ConfigErrorText(err error, config string, pid int) string {
	var ce *ldconf.Error
	if errors.As(err, &ce) {
		return configText("Error", pid, ce.Line, config, unknownCommandText(ce.Msg))
	}
	var pe *PlanError
	if errors.As(err, &pe) {
		return configText("Error", pid, pe.Line, config, pe.Err.Error())
	}
	return configText("Error", pid, 0, config, err.Error())
}

// ConfigWarningText is config_warn's wording of a warning.
func ConfigWarningText(d ldconf.Diagnostic, config string, pid int) string {
	return configText("Warning", pid, d.Line, config, d.Msg)
}

// configText is one config_error or config_warn text. What it quotes of
// the configuration has its secrets redacted already (ldconf); messages
// from elsewhere (a check that cannot be built) are redacted here, so no
// passwd= or secret= value reaches stderr or the log.
func configText(prefix string, pid, line int, config, msg string) string {
	msg = strings.TrimSuffix(ldconf.RedactMessage(msg), "\n") + "\n"
	p := fmt.Sprintf("%s [%d]", prefix, pid)
	if line > 0 {
		p += fmt.Sprintf(" reading file %s at line %d", config, line)
	}
	return p + ": " + msg
}

// ldirectordWarnings are the warnings ldirectord itself prints while
// reading a configuration; ldconf's other warnings are lvsctl's own and
// must not change what ldirectord's commands print.
var ldirectordWarnings = []string{
	"checkinterval in virtual service ",
	"checkcount option is deprecated",
	"maintenance directory does not exist",
	"please update your config not to use a bare supervised directive",
}

// IsLdirectordWarning reports whether ldirectord prints this warning.
func IsLdirectordWarning(d ldconf.Diagnostic) bool {
	for _, p := range ldirectordWarnings {
		if strings.HasPrefix(d.Msg, p) {
			return true
		}
	}
	return false
}

// unknownCommandText puts back the newline ldirectord's "Unknown command"
// messages carry: the offending line is quoted with its newline inside a
// virtual block, and followed by its newline and a space outside one.
// ldconf keeps the line without it.
func unknownCommandText(msg string) string {
	const prefix = "Unknown command "
	switch {
	case !strings.HasPrefix(msg, prefix) || strings.HasSuffix(msg, "\n") || strings.HasSuffix(msg, "\n "):
		return msg
	case strings.HasPrefix(msg, prefix+`"`) && strings.HasSuffix(msg, `"`) && len(msg) > len(prefix)+1:
		return msg[:len(msg)-1] + "\n\""
	}
	return msg + "\n "
}
