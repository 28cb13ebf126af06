package director

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// idleSampler tells the limiter how much of the machine's CPU time was
// idle over about the last second: its readings of the CPU counters are
// kept for idleReadings calls (one per limiter period, a tenth of a
// second), and the share runs from the oldest to the newest.
type idleSampler struct {
	read     func() (idle, total uint64, ok bool)
	readings [][2]uint64 // idle, total; oldest first
}

// idleReadings is how many readings span the window (a second at the
// limiter's period).
const idleReadings = 10

func newIdleSampler(read func() (idle, total uint64, ok bool)) *idleSampler {
	return &idleSampler{read: read}
}

// share is the idle share of the CPU time since the oldest reading kept;
// 0 (no CPU to spare: the other signs decide) when the counters cannot
// be read or have not moved yet.
func (s *idleSampler) share() float64 {
	idle, total, ok := s.read()
	if !ok {
		return 0
	}
	s.readings = append(s.readings, [2]uint64{idle, total})
	if len(s.readings) > idleReadings+1 {
		s.readings = s.readings[1:]
	}
	first := s.readings[0]
	if total <= first[1] || idle < first[0] {
		return 0
	}
	return float64(idle-first[0]) / float64(total-first[1])
}

// readProcStat reads the machine's CPU time from /proc/stat's first line:
// idle (idle and iowait) and total, in clock ticks.
func readProcStat() (idle, total uint64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 512).ReadSlice('\n')
	if err != nil && len(line) == 0 {
		return 0, 0, false
	}
	return parseCPULine(line)
}

// parseCPULine parses "cpu  user nice system idle iowait irq softirq
// steal ...": idle is idle + iowait, total the sum of the first eight
// (guest time is already in user).
func parseCPULine(line []byte) (idle, total uint64, ok bool) {
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	for i := 1; i < len(f) && i <= 8; i++ {
		v, err := strconv.ParseUint(string(f[i]), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i == 4 || i == 5 {
			idle += v
		}
	}
	return idle, total, true
}
