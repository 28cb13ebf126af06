package cli

import "strings"

// ldOptions is the ldirectord command line after getopt.
type ldOptions struct {
	debug, help, version, check bool
	args                        []string
	metricsListen               string // lvsctl's --metrics-listen
}

// parseLdArgs is Getopt::Long with bundling, no abbreviations and
// require_order: options stop at the first argument or "--".
// --check and --metrics-listen are lvsctl's additions.
func parseLdArgs(args []string) (ldOptions, error) {
	var o ldOptions
	for i := 0; i < len(args); i++ {
		if addr, n, err := parseMetricsListen(args, i); err != nil {
			return o, err
		} else if n > 0 {
			o.metricsListen, i = addr, i+n-1
			continue
		}
		a := args[i]
		switch {
		case a == "--":
			o.args = args[i+1:]
			return o, nil
		case strings.HasPrefix(a, "--"):
			switch a[2:] {
			case "debug":
				o.debug = true
			case "help":
				o.help = true
			case "version":
				o.version = true
			case "check":
				o.check = true
			default:
				return o, unknownOptionError(strings.ToLower(strings.SplitN(a[2:], "=", 2)[0]))
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, c := range a[1:] {
				switch c {
				case 'd':
					o.debug = true
				case 'h', '?':
					o.help = true
				case 'v':
					o.version = true
				default:
					return o, unknownOptionError(string(c))
				}
			}
		default:
			o.args = args[i:]
			return o, nil
		}
	}
	return o, nil
}

// unknownOptionError is Getopt::Long's complaint, printed as is.
type unknownOptionError string

func (e unknownOptionError) Error() string { return "Unknown option: " + string(e) }

// metricsListenFlag is lvsctl's addition to ldirectord's command line:
// serve /metrics from the daemon.
const metricsListenFlag = "metrics-listen"

// parseMetricsListen reads --metrics-listen ADDR or --metrics-listen=ADDR
// at args[i]; it returns the address and how many words it took (0 if
// args[i] is not the flag).
func parseMetricsListen(args []string, i int) (string, int, error) {
	a := args[i]
	if v, ok := strings.CutPrefix(a, "--"+metricsListenFlag+"="); ok {
		return v, 1, nil
	}
	if a != "--"+metricsListenFlag {
		return "", 0, nil
	}
	if i+1 >= len(args) {
		return "", 0, missingArgumentError(metricsListenFlag)
	}
	return args[i+1], 2, nil
}

// missingArgumentError is Getopt::Long's text for an option without its
// value.
type missingArgumentError string

func (e missingArgumentError) Error() string { return "Option " + string(e) + " requires an argument" }

// ldActionWords are ldirectord's actions, in its usage's order.
var ldActionWords = []string{"start", "stop", "restart", "try-restart", "reload", "force-reload", "status"}

// ldActions is the set of ldActionWords.
var ldActions = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range ldActionWords {
		m[a] = true
	}
	return m
}()
