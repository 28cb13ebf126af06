package director

import (
	"os"
	"strings"
	"testing"
)

func TestSetProcessName(t *testing.T) {
	old, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip(err)
	}
	defer os.WriteFile("/proc/self/comm", []byte(strings.TrimSpace(string(old))), 0)
	for name, want := range map[string]string{
		"/usr/sbin/ldirectord":          "ldirectord",
		"ldirectord":                    "ldirectord",
		"/opt/a-very-long-program-name": "a-very-long-pro",
	} {
		if err := SetProcessName(name); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile("/proc/self/comm")
		if strings.TrimSpace(string(got)) != want {
			t.Errorf("%s: comm %q, want %q", name, got, want)
		}
	}
}
