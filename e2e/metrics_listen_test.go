//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestMetricsListen: the ldirectord daemon started with --metrics-listen
// serves the table and its check metrics over HTTP.
func TestMetricsListen(t *testing.T) {
	requireLab(t)
	netlab(t, 2)
	dir := t.TempDir()
	cf := filepath.Join(dir, "ld.cf")
	if err := os.WriteFile(cf, []byte(`checkinterval=1
checktimeout=3
virtual=192.0.2.100:80
	real=10.10.1.2:80 masq 1
	real=10.10.2.2:80 masq 2
	service=http
	request="index.html"
	receive="rs"
	scheduler=wrr
	checktype=negotiate
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ld := exec.Command(lvsctlBin(t), "ldirectord", "-d", "--metrics-listen", "127.0.0.1:9799", cf, "start")
	logf, err := os.Create(filepath.Join(dir, "ld.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	ld.Stdout, ld.Stderr = logf, logf
	if err := ld.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ld.Wait() }()
	defer func() {
		ld.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			ld.Process.Kill()
			<-done
			t.Error("ldirectord did not stop on TERM")
		}
	}()
	wants := []*regexp.Regexp{
		regexp.MustCompile(`lvs_check_up\{protocol="tcp",service="192\.0\.2\.100:80",real="10\.10\.1\.2:80"\} 1\n`),
		regexp.MustCompile(`lvs_check_up\{protocol="tcp",service="192\.0\.2\.100:80",real="10\.10\.2\.2:80"\} 1\n`),
		regexp.MustCompile(`lvs_check_duration_seconds_count\{[^}]*real="10\.10\.1\.2:80"\} [1-9]`),
		regexp.MustCompile(`lvs_real_weight\{protocol="tcp",service="192\.0\.2\.100:80",real="10\.10\.2\.2:80"\} 2\n`),
		regexp.MustCompile(`lvs_reconcile_errors_total 0\n`),
	}
	var body string
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("timeout", "5", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:9799/metrics").Output()
		body = string(out)
		ok := true
		for _, re := range wants {
			ok = ok && re.MatchString(body)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("metrics never showed both reals checked up:\n%s\nldirectord:\n%s", body, log)
		}
		time.Sleep(time.Second)
	}
}
