package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lvsctl/lvsctl/internal/suggest"
)

// usageError is a usage error of lvsctl check (exit 2).
func usageError(format string, args ...any) error {
	return &ExitError{Code: checkUsage, Err: fmt.Errorf(format, args...)}
}

// shapeError is a usage error of lvsctl check's command line as a whole
// (an argument missing or too many), which check --help answers.
func shapeError(format string, args ...any) error {
	return &ExitError{Code: checkUsage, Err: fmt.Errorf(format, args...), Usage: true}
}

// usageErrors is a command's FlagErrorFunc: a bad flag exits with the
// command's usage status code, naming the flag it was maybe meant to be
// and pointing at the command's --help.
func usageErrors(code int) func(*cobra.Command, error) error {
	return func(c *cobra.Command, err error) error {
		return &ExitError{Code: code, Err: withFlagSuggestion(c, err), Usage: true}
	}
}

// withFlagSuggestion adds to pflag's "unknown flag: --timout" the flags
// of c nearest the unknown one.
func withFlagSuggestion(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	near := suggest.Nearest(name, names)
	if len(near) == 0 {
		return err
	}
	return fmt.Errorf("%w (did you mean --%s?)", err, strings.Join(near, " or --"))
}
