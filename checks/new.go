package checks

import (
	"errors"
	"fmt"
	"slices"
)

// Services are the negotiate services ldirectord 4.12 knows (its
// service= values), and lvsctl's smtps (SMTP over TLS, port 465).
var Services = []string{
	"dns", "ftp", "http", "https", "http_proxy", "imap", "imaps", "ldap",
	"ldaps", "mysql", "nntp", "none", "oracle", "pop", "pops", "radius",
	"pgsql", "simpletcp", "sip", "smtp", "submission", "smtps",
}

// ErrOracle is returned for service=oracle: checking it needs Oracle's
// client library, which lvsctl does not link. Refusing the config beats a
// check that silently always passes or always fails.
var ErrOracle = errors.New(`service "oracle" is not supported: it needs Oracle's client library; ` +
	`use checktype=connect, or checktype=external with a script that runs sqlplus`)

// Validate reports, at config time, what would make a target's check
// impossible: an unknown check type or service, oracle, a receive regexp
// Go cannot express, an external check without a command, an unknown
// TLS version or an unreadable tlscafile.
func Validate(t Target) error {
	switch t.CheckType {
	case TypeConnect, TypePing, TypeOn, TypeOff:
	case TypeExternal, TypeExternalPerl:
		if t.CheckCommand == "" {
			return fmt.Errorf("checktype %s needs a checkcommand", t.CheckType)
		}
	case TypeCombined:
		if t.NumConnects <= 0 {
			return fmt.Errorf("checktype=N needs a positive N, got %d", t.NumConnects)
		}
		fallthrough
	case TypeNegotiate:
		if err := validService(t.Service); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown checktype %q", t.CheckType)
	}
	if t.CheckType != TypeOn && t.CheckType != TypeOff && !t.RealAddr.IsValid() {
		return errors.New("real server address missing")
	}
	if t.Receive != "" {
		if _, err := CompileReceive(t.Receive); err != nil {
			return err
		}
	}
	return t.Security.validate()
}

func validService(s string) error {
	switch {
	case s == "oracle":
		return ErrOracle
	case s != "" && !slices.Contains(Services, s):
		return fmt.Errorf("unknown service %q", s)
	}
	return nil
}

// New validates t and returns its checker. Keep one per (virtual, real):
// checktype=N counts connects in it.
func New(t Target) (Checker, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	switch t.CheckType {
	case TypeConnect:
		return Connect{}, nil
	case TypePing:
		return Ping{}, nil
	case TypeExternal:
		return External{}, nil
	case TypeExternalPerl:
		return ExternalPerl{}, nil
	case TypeOn:
		return On{}, nil
	case TypeOff:
		return Off{}, nil
	case TypeCombined:
		return NewCombined(t.NumConnects, ForService(t.Service)), nil
	}
	return ForService(t.Service), nil
}

// ForService returns the negotiate checker of a service ("" and unknown
// services: none, which is always up).
func ForService(s string) Checker {
	switch s {
	case "http", "https", "http_proxy":
		return HTTP{}
	case "simpletcp":
		return SimpleTCP{}
	case "dns":
		return DNS{}
	case "ftp":
		return FTP{}
	case "smtp", "submission", "smtps":
		return SMTP{}
	case "pop", "pops":
		return POP{}
	case "imap", "imaps":
		return IMAP{}
	case "ldap", "ldaps":
		return LDAP{}
	case "nntp":
		return NNTP{}
	case "mysql":
		return MySQL{}
	case "pgsql":
		return PgSQL{}
	case "radius":
		return Radius{}
	case "sip":
		return SIP{}
	case "oracle":
		return Oracle{}
	}
	return None{}
}

// Oracle refuses to check (see ErrOracle); Validate keeps it out of
// configs, this keeps a hand-built Target from passing silently.
type Oracle struct{}

func (Oracle) String() string { return "negotiate:oracle" }
