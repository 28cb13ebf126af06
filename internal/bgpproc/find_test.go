package bgpproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFind: beside the executable first, then ../libexec/lvsctl; a file
// that cannot be run does not count; the error says where it looked.
func TestFind(t *testing.T) {
	root := t.TempDir()
	sbin := filepath.Join(root, "sbin")
	libexec := filepath.Join(root, "libexec", "lvsctl")
	for _, d := range []string{sbin, libexec} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(sbin, "lvsctl")
	write := func(p string, mode os.FileMode) {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(exe, 0o755)
	// ldirectord, a link to lvsctl elsewhere, finds lvsctl's.
	link := filepath.Join(root, "ldirectord")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	if _, err := find(link); err == nil || !strings.Contains(err.Error(), "lvsctl-bgp not found beside "+exe) {
		t.Errorf("none: %v", err)
	}
	write(filepath.Join(libexec, Program), 0o644)
	if p, err := find(link); err == nil {
		t.Errorf("not executable: found %s", p)
	}
	write(filepath.Join(libexec, Program), 0o755)
	os.Chmod(filepath.Join(libexec, Program), 0o755)
	if p, err := find(link); err != nil || p != filepath.Join(libexec, Program) {
		t.Errorf("libexec: %s, %v", p, err)
	}
	write(filepath.Join(sbin, Program), 0o755)
	if p, err := find(link); err != nil || p != filepath.Join(sbin, Program) {
		t.Errorf("beside: %s, %v", p, err)
	}
}
