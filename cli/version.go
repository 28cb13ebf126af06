package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/internal/buildinfo"
)

// The versions of the programs lvsctl replaces, whose command lines,
// outputs and configuration its ipvsadm and ldirectord personalities
// keep (ipvsadm -v and ldirectord -v print theirs, unchanged).
const (
	ipvsadmCompat    = "1.31"
	ldirectordCompat = "4.12"
)

type versionOptions struct {
	io     *IOStreams
	info   buildinfo.Info
	asJSON bool
}

// versionDoc is version --json's document (docs/json.md): every field
// present, null for what the build did not record.
type versionDoc struct {
	SchemaVersion int     `json:"schema_version"`
	Version       string  `json:"version"`
	Commit        *string `json:"commit"`
	Date          *string `json:"date"`
	Modified      bool    `json:"modified"`
	GoVersion     string  `json:"go_version"`
	Compatible    struct {
		Ipvsadm    string `json:"ipvsadm"`
		Ldirectord string `json:"ldirectord"`
	} `json:"compatible"`
}

// newCmdVersion is `lvsctl version [--json]` (and lvsctl --version, -v):
// which lvsctl this is, as the Makefile or the package build stamped it
// (internal/buildinfo). runF, if not nil, runs instead.
func newCmdVersion(f *Factory, runF func(*versionOptions) error) *cobra.Command {
	o := &versionOptions{io: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print lvsctl's version, commit, date, Go version and the ipvsadm and ldirectord versions it replaces",
		Long: `Print which lvsctl this is: its version, the commit and date it was built
from (with "modified" when the work tree differed from the commit), the Go
version, and the versions of ipvsadm and ldirectord whose command lines,
outputs and configuration files it keeps. lvsctl --version and lvsctl -v
print the same. Under the names ipvsadm and ldirectord, -v prints theirs.`,
		Args:          noArgs(2),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(*cobra.Command, []string) error {
			o.info = buildinfo.Get()
			return orRun(runF, runVersion)(o)
		},
	}
	cmd.SetFlagErrorFunc(usageErrors(2))
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the version as JSON (docs/json.md)")
	return cmd
}

// isVersion reports whether an lvsctl command line asks for lvsctl's
// version the way most programs are asked.
func isVersion(argv []string) bool {
	return len(argv) == 2 && (argv[1] == "--version" || argv[1] == "-v")
}

func runVersion(o *versionOptions) error {
	if o.asJSON {
		doc := versionDoc{SchemaVersion: 1, Version: o.info.Version, Modified: o.info.Modified, GoVersion: o.info.GoVersion}
		if o.info.Commit != "" {
			doc.Commit = &o.info.Commit
		}
		if o.info.Date != "" {
			doc.Date = &o.info.Date
		}
		doc.Compatible.Ipvsadm, doc.Compatible.Ldirectord = ipvsadmCompat, ldirectordCompat
		return printJSON(o.io.Out, doc)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "lvsctl %s\n", o.info.Version)
	if o.info.Commit != "" {
		mod := ""
		if o.info.Modified {
			mod = " (modified)"
		}
		fmt.Fprintf(&b, "commit:     %s%s\n", o.info.Commit, mod)
	}
	if o.info.Date != "" {
		fmt.Fprintf(&b, "date:       %s\n", o.info.Date)
	}
	fmt.Fprintf(&b, "go:         %s\n", o.info.GoVersion)
	fmt.Fprintf(&b, "compatible: ipvsadm %s, ldirectord %s\n", ipvsadmCompat, ldirectordCompat)
	if _, err := o.io.Out.Write([]byte(b.String())); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
