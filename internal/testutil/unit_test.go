package testutil

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestUnitService(t *testing.T) {
	dir := t.TempDir()
	unit := "[Unit]\nDescription=x\n\n[Service]\n# a comment\nType=forking\n  ExecStart=/usr/sbin/ldirectord start\n[Install]\nWantedBy=multi-user.target\n"
	p := WriteFile(t, filepath.Join(dir, "a.service"), 0o644, unit)
	got, err := UnitService(p)
	want := map[string]string{"Type": "forking", "ExecStart": "/usr/sbin/ldirectord start"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%v %v, want %v", got, err, want)
	}
	p = WriteFile(t, filepath.Join(dir, "b.service"), 0o644, "[Service]\nType=simple\nType=forking\n")
	if _, err := UnitService(p); err == nil || !strings.Contains(err.Error(), "Type set twice") {
		t.Errorf("a key set twice: %v", err)
	}
	if _, err := UnitService(filepath.Join(dir, "none")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
