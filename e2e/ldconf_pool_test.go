//go:build e2e

package e2e

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvsctl/lvsctl/ipvsctl/netlink"
)

// The differential runs many ldirectord instances at once, each in a
// worker: its own network namespace (IPVS tables are per namespace), its
// own directory, and a ldirectord-preload.pl server that forks one run
// of Debian's ldirectord per request with Perl's modules already loaded.

var (
	ldWorkers = flag.Int("ldconf-workers", 4, "ldirectord runs at once in TestLdconfDifferential")
	// ldExec: every run a fresh `/usr/sbin/ldirectord` process, as
	// Debian starts it, instead of a fork of the preloaded server.
	ldExec = flag.Bool("ldirectord-exec", false, "start /usr/sbin/ldirectord afresh for every config (slower)")
)

const preloadScript = "ldirectord-preload.pl"

type ldWorker struct {
	id     int
	dir    string
	srv    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	exited chan struct{} // closed when the server has exited
	netns  *os.File      // the server's network namespace
	runs   int
}

// netnsSetup makes a worker's namespace look like the guest's root one
// to getaddrinfo (see useCorpusHosts) and brings lo up.
const netnsSetup = "ip link set lo up && ip link add e2ehosts0 type dummy && ip link set e2ehosts0 up && " +
	"ip addr add 10.254.254.1/32 dev e2ehosts0 && ip addr add 2001:db8:ffff::1/128 dev e2ehosts0 nodad"

// ipvsLock serialises table writes against table listings across the
// lab's namespaces (the ldconf workers, the differential sequences). The
// kernel keeps every namespace's services in one hash table and resumes
// a netlink dump at an index counted over all of them, so a service added
// in one namespace while another lists its table shifts that listing:
// entries repeat or go missing, and Debian's ipvsadm was seen spinning
// for minutes on such a listing. Listings share the lock.
const ipvsLock = "/tmp/e2e-ipvs.lock"

// ipvsadmLocked is the ./ipvsadm ldirectord -d runs instead of
// /sbin/ipvsadm (with -d, an ipvsadm in its working directory wins):
// Debian's ipvsadm, same arguments, under ipvsLock.
const ipvsadmLocked = `#!/bin/sh
case "$1" in
-L|-l|-S|--list|--save) exec flock -s ` + ipvsLock + ` /sbin/ipvsadm "$@" ;;
*) exec flock ` + ipvsLock + ` /sbin/ipvsadm "$@" ;;
esac
`

// withIPVSLock runs f holding ipvsLock, shared or exclusive.
func withIPVSLock(shared bool, f func() error) error {
	l, err := os.OpenFile(ipvsLock, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer l.Close()
	how := unix.LOCK_EX
	if shared {
		how = unix.LOCK_SH
	}
	if err := unix.Flock(int(l.Fd()), how); err != nil {
		return fmt.Errorf("flock %s: %w", ipvsLock, err)
	}
	return f()
}

// startWorkers starts n workers; they stop when t's cleanup runs.
func startWorkers(t *testing.T, n int) chan *ldWorker {
	t.Helper()
	pool := make(chan *ldWorker, n)
	for i := range n {
		w, err := startWorker(i, t.TempDir())
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
		t.Cleanup(w.stop)
		pool <- w
	}
	return pool
}

func startWorker(id int, dir string) (*ldWorker, error) {
	script, err := filepath.Abs(preloadScript)
	if err != nil {
		return nil, err
	}
	w := &ldWorker{id: id, dir: dir, exited: make(chan struct{})}
	cmd := exec.Command("/bin/sh", "-c", netnsSetup+" && exec perl "+script)
	cmd.Env = ldirectordEnv()
	// cwd: ldirectord -d prefers ./ipvsadm; an empty directory has none
	// (the logs go to dir).
	cmd.Dir = filepath.Join(dir, "cwd")
	if err := os.Mkdir(cmd.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cmd.Dir, "ipvsadm"), []byte(ipvsadmLocked), 0o755); err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w.srv = cmd
	w.out = bufio.NewScanner(stdout)
	ready := make(chan error, 1)
	go func() {
		if !w.out.Scan() || w.out.Text() != "ready" {
			ready <- fmt.Errorf("preload server did not start (%q, %v)", w.out.Text(), w.out.Err())
			return
		}
		ready <- nil
	}()
	select {
	case err = <-ready:
	case <-time.After(5 * time.Minute):
		err = errors.New("preload server: no ready within 5m")
	}
	if err == nil {
		w.netns, err = os.Open(fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid))
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	go func() { cmd.Wait(); close(w.exited) }()
	return w, nil
}

func (w *ldWorker) stop() {
	w.in.Close() // EOF: the server exits after its current child
	select {
	case <-w.exited:
	case <-time.After(30 * time.Second):
		w.srv.Process.Kill()
		<-w.exited
	}
	w.netns.Close()
}

// poolRun is one ldirectord run in a worker.
type poolRun struct {
	w    *ldWorker
	pid  int // leader of the run's process group
	log  string
	done chan int // its exit status, once
}

// start runs ldirectord ARGS in w; its output goes to a log file.
func (w *ldWorker) start(name string, args ...string) (*poolRun, error) {
	w.runs++
	mode := "do"
	if *ldExec {
		mode = "exec"
	}
	r := &poolRun{w: w, log: filepath.Join(w.dir, fmt.Sprintf("%s.%d.log", name, w.runs)), done: make(chan int, 1)}
	req := strings.Join(append([]string{mode, r.log}, args...), "\t") + "\n"
	if _, err := io.WriteString(w.in, req); err != nil {
		return nil, fmt.Errorf("preload server: %w", err)
	}
	line, err := w.line()
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Sscanf(line, "pid %d", &r.pid); err != nil {
		return nil, fmt.Errorf("preload server said %q", line)
	}
	go func() {
		line, err := w.line()
		var pid, st int
		if err != nil {
			st = -1
		} else if _, err := fmt.Sscanf(line, "exit %d %d", &pid, &st); err != nil || pid != r.pid {
			st = -1
		}
		r.done <- st
	}()
	return r, nil
}

func (w *ldWorker) line() (string, error) {
	if !w.out.Scan() {
		return "", fmt.Errorf("preload server of worker %d gone (%v)", w.id, w.out.Err())
	}
	return w.out.Text(), nil
}

// wait returns the run's exit status, or kills it after timeout and
// returns -1. The worker is free again afterwards.
func (r *poolRun) wait(timeout time.Duration) int {
	select {
	case st := <-r.done:
		return st
	case <-time.After(timeout):
		r.kill()
		return -1
	}
}

// kill ends the run's whole process group (fork=yes children too) and
// waits until the server has reaped it.
func (r *poolRun) kill() {
	syscall.Kill(-r.pid, syscall.SIGKILL)
	<-r.done
	// Grandchildren are orphans now; make sure none is left behind.
	for range 50 {
		if len(groupPids(r.pid)) == 0 {
			return
		}
		syscall.Kill(-r.pid, syscall.SIGKILL)
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *poolRun) output() string {
	b, _ := os.ReadFile(r.log)
	return string(b)
}

func (r *poolRun) logSize() int64 {
	fi, err := os.Stat(r.log)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// inNetns runs f on a thread that is in the worker's network namespace,
// so that processes f starts are in it too.
func (w *ldWorker) inNetns(f func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := unix.Setns(int(w.netns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns: %w", err)
	}
	ferr := f()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked and dies with this goroutine.
		return fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// ipvsadm runs Debian's ipvsadm in the worker's namespace.
func (w *ldWorker) ipvsadm(args ...string) (string, error) {
	var out []byte
	err := withIPVSLock(true, func() error {
		return w.inNetns(func() error {
			var err error
			out, err = exec.Command(filepath.Join(realIpvsadmDir, "ipvsadm"), args...).Output()
			if err != nil {
				return fmt.Errorf("ipvsadm %s: %w", strings.Join(args, " "), err)
			}
			return nil
		})
	})
	return string(out), err
}

// flush empties the worker's table through lvsctl's netlink client, in
// process: one exec less per config than ipvsadm -C.
func (w *ldWorker) flush() error {
	return withIPVSLock(false, func() error { return w.inNetns(w.flushHere) })
}

func (w *ldWorker) flushHere() error {
	n, err := netlink.Open()
	if err != nil {
		return err
	}
	defer n.Close()
	return n.Flush()
}

// table reads the worker's table in renderLab's layout.
func (w *ldWorker) table() (string, error) {
	rules, err := w.ipvsadm("-S", "-n")
	if err != nil {
		return "", err
	}
	th, err := w.ipvsadm("-L", "-n", "--thresholds")
	if err != nil {
		return "", err
	}
	_, th, _ = strings.Cut(th, "\n") // the version banner
	return rules + thresholdsMark + th, nil
}

// settle waits until the run's first check round is over and returns
// the table: every process of its group asleep (checkinterval) at two
// polls in a row, the table read, and the group still asleep after it,
// with its log unchanged meanwhile or the same table read twice (a
// short checkinterval logs a round while the table is read).
//
// timeout counts from the run's last log line: a config with twenty
// virtuals makes ldirectord run ipvsadm some 150 times, minutes in a
// loaded guest, all the while logging. A run gets at most 5*timeout.
func (r *poolRun) settle(timeout time.Duration) (string, error) {
	start := time.Now()
	progress, lastSize := start, int64(-2)
	asleep, prev := 0, ""
	for {
		select {
		case st := <-r.done:
			r.done <- st
			return "", fmt.Errorf("ldirectord exited (status %d) before its first check round", st)
		case <-time.After(200 * time.Millisecond):
		}
		if size := r.logSize(); size != lastSize {
			progress, lastSize = time.Now(), size
		}
		if time.Since(progress) > timeout || time.Since(start) > 5*timeout {
			return "", fmt.Errorf("ldirectord did not settle: nothing logged for %v, %v in all\n%s",
				time.Since(progress).Round(time.Second), time.Since(start).Round(time.Second), groupSignals(r.pid))
		}
		if !groupAsleep(r.pid) {
			asleep, prev = 0, ""
			continue
		}
		if asleep++; asleep < 2 {
			continue
		}
		size := r.logSize()
		table, err := r.w.table()
		if err != nil {
			return "", err
		}
		if groupAsleep(r.pid) && (r.logSize() == size || table == prev) {
			return table, nil
		}
		prev = table
	}
}
