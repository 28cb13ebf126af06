package metrics

import (
	"bytes"
	"testing"
)

func TestCollectProcess(t *testing.T) {
	var s Set
	CollectProcess(&s)
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	fams := parse(t, buf.String())
	got := map[string]float64{}
	for name := range fams {
		got[name] = value(t, fams, name, nil)
	}
	atLeast := map[string]float64{
		"go_goroutines":                 1,
		"go_threads":                    1,
		"go_memstats_heap_inuse_bytes":  1,
		"go_memstats_sys_bytes":         1 << 20,
		"go_memstats_stack_inuse_bytes": 1,
		"go_memstats_next_gc_bytes":     1,
		"go_memstats_mallocs_total":     1,
		"process_resident_memory_bytes": 1 << 20,
		"process_virtual_memory_bytes":  1 << 20,
		"process_cpu_seconds_total":     0,
		"process_open_fds":              3,
	}
	for name, min := range atLeast {
		v, ok := got[name]
		if !ok {
			t.Errorf("%s missing from\n%s", name, buf.String())
			continue
		}
		if v < min {
			t.Errorf("%s = %v, want >= %v", name, v, min)
		}
	}
	if got["process_resident_memory_bytes"] > got["process_virtual_memory_bytes"] {
		t.Errorf("RSS %v above virtual size %v", got["process_resident_memory_bytes"], got["process_virtual_memory_bytes"])
	}
}

func TestStatCPUSeconds(t *testing.T) {
	// A command name with a space and a parenthesis; utime 250, stime 37.
	line := "4242 (ld (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 37 0 0 20 0 9 0 100 1000 200\n"
	got, ok := statCPUSeconds(line)
	if !ok || got != 2.87 {
		t.Fatalf("statCPUSeconds = %v, %v; want 2.87, true", got, ok)
	}
	if _, ok := statCPUSeconds("4242 (short) S 1 2"); ok {
		t.Fatal("a truncated line was accepted")
	}
}
