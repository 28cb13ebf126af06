package daemon

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/lvsctl/lvsctl/director"
	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvstest"
)

func TestDaemonMetricsEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := ipvstest.NewFake()
	stop, err := serveMetrics(addr, func() (ipvsctl.Client, error) { return f, nil }, director.NewMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "lvs_reconcile_errors_total 0\n") {
		t.Errorf("%d:\n%s", resp.StatusCode, body)
	}
	// The daemon's own process, as every exporter reports it.
	for _, want := range []string{"\nprocess_resident_memory_bytes ", "\ngo_goroutines ", "\ngo_memstats_heap_inuse_bytes "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no%s in\n%s", want, body)
		}
	}
	if _, err := serveMetrics(addr, func() (ipvsctl.Client, error) { return f, nil }, director.NewMetrics()); err == nil {
		t.Error("a second listener on the same address")
	}
}
