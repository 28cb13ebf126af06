package bgpproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Program is the speaker program's file name.
const Program = "lvsctl-bgp"

// LibexecDir is where the Debian package installs the program.
const LibexecDir = "/usr/libexec/lvsctl"

// Find is where the program is: beside the running executable (a build
// tree, bin/), in ../libexec/lvsctl/ from it (make install's PREFIX), or
// in /usr/libexec/lvsctl/ (the Debian package).
func Find() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find %s: %w", Program, err)
	}
	return find(exe)
}

func find(exe string) (string, error) {
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	dir := filepath.Dir(exe)
	where := []string{
		filepath.Join(dir, Program),
		filepath.Join(filepath.Dir(dir), "libexec", "lvsctl", Program),
		filepath.Join(LibexecDir, Program),
	}
	for _, p := range where {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New(Program + " not found beside " + exe + ", in " + filepath.Join(filepath.Dir(dir), "libexec", "lvsctl") + " nor in " + LibexecDir)
}
