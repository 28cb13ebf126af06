package main

import (
	"os/exec"
	"strings"
	"testing"
)

// lvsctl never links GoBGP: the BGP speaker is the program lvsctl-bgp,
// so that a director without BGP pays nothing for it in size, memory or
// start-up.
func TestNoGoBGP(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		// go test runs with the toolchain's bin directory first in PATH.
		t.Fatalf("the go command: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages", len(deps))
	}
	for _, d := range deps {
		if strings.Contains(d, "gobgp") {
			t.Errorf("lvsctl depends on %s", d)
		}
	}
	// The speaker does link it: the same check sees it there.
	out, err = exec.Command(goTool, "list", "-deps", "../lvsctl-bgp").Output()
	if err != nil {
		t.Fatalf("go list -deps ../lvsctl-bgp: %v", err)
	}
	if !strings.Contains(string(out), "github.com/osrg/gobgp/v4") {
		t.Error("lvsctl-bgp does not depend on GoBGP: the check above proves nothing")
	}
}
