package ldconf

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestResolveOrder(t *testing.T) {
	ha := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ha, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("virtual=1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opt := WithHADir(ha)
	if _, err := Resolve("site.cf", opt); ExitStatus(err) != 1 || err.Error() != "Config file site.cf not found" {
		t.Errorf("missing: %v (exit %d)", err, ExitStatus(err))
	}
	var nf *NotFoundError
	if _, err := Resolve("site.cf", opt); !errors.As(err, &nf) {
		t.Errorf("want *NotFoundError, got %T", err)
	}
	local := filepath.Join(t.TempDir(), "local.cf")
	write(local)
	if p, err := Resolve(local, opt); err != nil || p != local {
		t.Errorf("as given: %q %v", p, err)
	}
	write(filepath.Join(ha, "conf", "site.cf"))
	if p, err := Resolve("site.cf", opt); err != nil || p != ha+"/conf/site.cf" {
		t.Errorf("conf/: %q %v", p, err)
	}
	write(filepath.Join(ha, "site.cf"))
	if p, err := Resolve("site.cf", opt); err != nil || p != ha+"/site.cf" {
		t.Errorf("ha.d wins: %q %v", p, err)
	}
	// A directory is not a file.
	if err := os.Mkdir(filepath.Join(ha, "dir.cf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve("dir.cf", opt); err == nil {
		t.Error("a directory must not be taken")
	}
}

func TestLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.cf")
	if err := os.WriteFile(p, []byte("virtual=192.0.2.10:80\n\treal=10.0.0.2 gate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, testOptions(t)...)
	if err != nil || c.File != p || len(c.Table()) != 1 {
		t.Fatalf("Load: %v %+v", err, c)
	}
	_, err = Load(p+".missing", testOptions(t)...)
	var e *Error
	if !errors.As(err, &e) || ExitStatus(err) != 2 || e.Line != 0 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unreadable file: %v (exit %d)", err, ExitStatus(err))
	}
	if ExitStatus(nil) != 0 || ExitStatus(errors.New("x")) != 1 {
		t.Error("ExitStatus of nil / foreign errors")
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := parseString(t, "\nfoo\n")
	if err == nil || err.Error() != "test.cf:2: Unknown command foo" {
		t.Errorf("got %v", err)
	}
	d := Diagnostic{File: "f", Msg: "m"}
	if d.String() != "f: m" {
		t.Errorf("line-less diagnostic: %q", d.String())
	}
}
