package metrics

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// CollectProcess adds the usual process_* and go_* families of a
// Prometheus exporter (the names client_golang uses, so existing
// dashboards and alerts apply): memory as the kernel and the Go runtime
// see it, CPU time, threads and goroutines. What /proc cannot answer is
// left out rather than reported as zero.
func CollectProcess(s *Set) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	g := func(name, help string, v uint64) { s.Family(name, Gauge, help).AddUint(v, nil) }
	g("go_goroutines", "Number of goroutines that currently exist.", uint64(runtime.NumGoroutine()))
	g("go_memstats_alloc_bytes", "Number of bytes allocated in heap objects and still in use.", ms.HeapAlloc)
	g("go_memstats_heap_inuse_bytes", "Number of heap bytes in spans with at least one object.", ms.HeapInuse)
	g("go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used.", ms.HeapIdle)
	g("go_memstats_heap_released_bytes", "Number of heap bytes released to the OS.", ms.HeapReleased)
	g("go_memstats_stack_inuse_bytes", "Number of bytes in use by the stack allocator.", ms.StackInuse)
	g("go_memstats_sys_bytes", "Number of bytes obtained from the OS.", ms.Sys)
	g("go_memstats_next_gc_bytes", "Heap size at which the next garbage collection starts.", ms.NextGC)
	s.Family("go_memstats_mallocs_total", Counter, "Total number of heap objects allocated.").AddUint(ms.Mallocs, nil)
	s.Family("go_gc_cycles_total", Counter, "Number of completed garbage collection cycles.").AddUint(uint64(ms.NumGC), nil)

	st := procStatus()
	if v, ok := st["Threads"]; ok {
		g("go_threads", "Number of OS threads of the process.", v)
	}
	if v, ok := st["VmRSS"]; ok {
		g("process_resident_memory_bytes", "Resident memory size in bytes.", v*1024)
	}
	if v, ok := st["VmSize"]; ok {
		g("process_virtual_memory_bytes", "Virtual memory size in bytes.", v*1024)
	}
	if cpu, ok := procCPUSeconds(); ok {
		s.Family("process_cpu_seconds_total", Counter, "Total user and system CPU time spent in seconds.").Add(cpu, nil)
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		g("process_open_fds", "Number of open file descriptors.", uint64(len(fds)))
	}
}

// procStatus reads the numeric fields of /proc/self/status (kB for sizes).
func procStatus() map[string]uint64 {
	out := map[string]uint64{}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseUint(f[0], 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports
// (the kernel fixes it for /proc regardless of CONFIG_HZ).
const clockTicks = 100

// procCPUSeconds is utime + stime of /proc/self/stat.
func procCPUSeconds() (float64, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	return statCPUSeconds(string(b))
}

// statCPUSeconds reads utime + stime from a /proc/PID/stat line.
func statCPUSeconds(b string) (float64, bool) {
	// The command name may hold spaces and parentheses: fields count from
	// the last ')'.
	i := strings.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(b[i+1:])
	if len(f) < 13 { // utime and stime are fields 14 and 15, here 11 and 12
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+st) / clockTicks, true
}
