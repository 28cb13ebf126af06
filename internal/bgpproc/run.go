package bgpproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
)

// run is one run of the program, as the supervisor drives it.
type run struct {
	pid int
	// send writes one line to the program's input, bounded in time.
	send func(line []byte) error
	// lines are the program's output lines; closed at its end.
	lines <-chan []byte
	// exited receives how the run ended, once, after lines is closed.
	exited <-chan string
	// kill ends it at once.
	kill func()
}

// startFunc starts one run: path with args, its standard error's lines
// handed to logf.
type startFunc func(path string, args []string, logf func(string)) (*run, error)

// writeTimeout bounds one write to the program's input: a program that
// stops reading is killed and started again.
const writeTimeout = 5 * time.Second

// maxErrLine bounds a line of the program's standard error in the log.
const maxErrLine = 1024

// execStart runs the program as a child process. Its input is a pipe the
// director writes commands to, passwords included: they never go to the
// arguments or the environment, which is empty. PR_SET_PDEATHSIG makes
// the kernel send it SIGTERM when the thread that started it ends (the
// supervisor's, locked to it for the child's life), so a director killed
// outright takes its sessions down at once; the end of its input, when
// the director's end of the pipe closes, does the same.
func execStart(path string, args []string, logf func(string)) (*run, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = []string{}
	cmd.Stdin = inR
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	inR.Close() // the child's end
	lines := make(chan []byte, 16)
	exited := make(chan string, 1)
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		defer close(lines)
		s := bgpwire.NewScanner(out)
		for s.Scan() {
			lines <- append([]byte(nil), s.Bytes()...)
		}
		_, _ = io.Copy(io.Discard, out) // a line too long: drain until the end
	}()
	go func() {
		defer readers.Done()
		r := bufio.NewReaderSize(errOut, maxErrLine)
		for {
			l, isPrefix, err := r.ReadLine()
			if len(l) > 0 {
				logf(Program + ": " + string(l))
			}
			for isPrefix && err == nil {
				_, isPrefix, err = r.ReadLine()
			}
			if err != nil {
				return
			}
		}
	}()
	var mu sync.Mutex
	go func() {
		readers.Wait()
		err := cmd.Wait()
		mu.Lock()
		inW.Close()
		mu.Unlock()
		exited <- describeExit(err)
	}()
	return &run{
		pid: cmd.Process.Pid,
		send: func(line []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if err := inW.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
				return err
			}
			_, err := inW.Write(line)
			return err
		},
		lines:  lines,
		exited: exited,
		kill:   func() { _ = cmd.Process.Kill() },
	}, nil
}

// describeExit words how a run ended: "exit status 1", "signal: killed".
func describeExit(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.ProcessState.String()
	}
	return err.Error()
}
