// Package buildinfo says which lvsctl this is: version, commit and date,
// stamped by the Makefile and the Debian package build with
//
//	-ldflags "-X github.com/lvsctl/lvsctl/internal/buildinfo.Version=..."
//
// (and .Commit, .Date, .Modified; dist/version.sh computes them from git).
// Those builds run with -buildvcs=false, so the ldflags carry what Go's
// VCS stamping would have recorded. A plain `go install` or `go build`
// leaves them empty, and Get falls back to what the Go toolchain recorded
// in the binary.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X; empty in a build without them.
var (
	// Version is the package version, e.g. 0.9.0+git20261204.52a15b2.
	Version string
	// Commit is the full hash of the commit the binary was built from.
	Commit string
	// Date is the build date in RFC 3339, UTC: SOURCE_DATE_EPOCH when the
	// build sets it (reproducible builds), else the commit's time.
	Date string
	// Modified is "true" when the work tree differed from Commit.
	Modified string
)

// Info is what Get reports.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
}

// Unknown is the version of a binary that carries none: built without the
// ldflags and without VCS stamping (-buildvcs=false, or no checkout).
const Unknown = "unknown"

// Get returns the stamped values, or, for a binary built without them,
// what the Go toolchain recorded.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return get(Version, Commit, Date, Modified, bi, ok)
}

func get(version, commit, date, modified string, bi *debug.BuildInfo, ok bool) Info {
	if version != "" {
		return Info{Version: version, Commit: commit, Date: date,
			Modified: modified == "true", GoVersion: runtime.Version()}
	}
	return fromBuildInfo(bi, ok)
}

// fromBuildInfo reads the module version and the vcs.* settings that Go
// records when it builds in a checkout (-buildvcs=auto, the default).
// `go install ./cmd/lvsctl` in a clone gives a pseudo-version such as
// v0.0.0-20261204022037-52a15b282040 (+dirty when modified) and the
// commit; `go install github.com/lvsctl/lvsctl/cmd/lvsctl@v0.9.0` gives
// v0.9.0 and no vcs settings. The date is then the commit's time, the
// only one the toolchain records.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: Unknown, GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		info.Version = strings.TrimPrefix(v, "v")
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.Date = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}
