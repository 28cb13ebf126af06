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
		return configText("Error", pid, ce.Line, config, ce.Msg)
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

func configText(prefix string, pid, line int, config, msg string) string {
	msg = strings.TrimSuffix(msg, "\n") + "\n"
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
