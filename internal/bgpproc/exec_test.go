package bgpproc

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvsctl/lvsctl/internal/bgpwire"
	"github.com/lvsctl/lvsctl/internal/secret"
	"github.com/lvsctl/lvsctl/internal/testutil"
)

// This test binary is also the programs of the tests below, picked by
// the name it is run under (a symbolic link to it): "lvsctl-bgp", a
// speaker program that answers every command and writes a line to its
// standard error, "deaf", the same but for the end of its input, which
// does not end it, and "director", a process that supervises one and
// prints its pid.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case Program:
		os.Exit(programMain())
	case "deaf":
		programMain()
		time.Sleep(time.Hour) // deaf to the end of its input: only a signal ends it
	case "director":
		os.Exit(directorMain(os.Args[1]))
	}
	os.Exit(m.Run())
}

func programMain() int {
	fmt.Fprintln(os.Stderr, "level=WARN msg=\"a line of the program's log\"")
	w := bufio.NewWriter(os.Stdout)
	reply := func(r bgpwire.Reply) {
		b, _ := r.Line()
		w.Write(b)
		w.Flush()
	}
	reply(bgpwire.Reply{Kind: bgpwire.Ready, Protocol: bgpwire.Protocol})
	s := bgpwire.NewScanner(os.Stdin)
	for s.Scan() {
		c, err := bgpwire.ParseCommand(s.Bytes())
		if err != nil {
			return 1
		}
		reply(bgpwire.Reply{Kind: bgpwire.Done, Seq: c.Seq})
		if c.Verb == bgpwire.Stop {
			return 0
		}
	}
	return 0
}

func directorMain(program string) int {
	s := Start(Options{Path: program})
	s.Configure(config)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("pid", s.Status().PID)
	time.Sleep(time.Hour)
	return 0
}

// programLink is the test binary as "lvsctl-bgp".
func programLink(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(os.Args[0], p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExecSecrets: the password reaches the program on its input only:
// not its arguments, not its environment (empty), not the log, which
// gets the program's standard error.
func TestExecSecrets(t *testing.T) {
	const password = "exec-Secr3t-md5"
	lb := &logBook{}
	path := programLink(t, Program)
	s := Start(Options{Path: path, Log: lb.log})
	defer s.Stop(context.Background())
	cfg := config.Clone()
	cfg.Peers[0].Password = secret.New(password)
	s.Configure(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pid := s.Status().PID
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	if string(cmdline) != path+"\x00" {
		t.Errorf("arguments %q, want the path alone", cmdline)
	}
	if len(env) != 0 {
		t.Errorf("environment %q, want none", env)
	}
	testutil.WaitFor(t, 10*time.Second, func() bool { return strings.Contains(lb.String(), "a line of the program's log") },
		func() string { return "the program's standard error in the log:\n" + lb.String() })
	s.Stop(context.Background())
	if strings.Contains(lb.String(), password) {
		t.Errorf("the log holds the password:\n%s", lb)
	}
	want := fmt.Sprintf("BGP speaker %s started (pid %d)\n", path, pid)
	if !strings.HasPrefix(lb.String(), want) ||
		!strings.Contains(lb.String(), "lvsctl-bgp: level=WARN msg=\"a line of the program's log\"\n") ||
		!strings.HasSuffix(lb.String(), fmt.Sprintf("BGP speaker (pid %d) stopped: exit status 0\n", pid)) {
		t.Errorf("log:\n%s", lb)
	}
}

// TestExecDirectorKilled: a director killed outright (SIGKILL, no chance
// to stop anything) takes its speaker program with it at once: by the
// end of its input, and by PR_SET_PDEATHSIG for one that would not end
// there.
func TestExecDirectorKilled(t *testing.T) {
	for _, name := range []string{Program, "deaf"} {
		t.Run(name, func(t *testing.T) { testDirectorKilled(t, programLink(t, name)) })
	}
}

func testDirectorKilled(t *testing.T, program string) {
	cmd := exec.Command(programLink(t, "director"), program)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the director: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil {
		t.Fatalf("the director said %q", line)
	}
	if !alive(pid) {
		t.Fatalf("the program (pid %d) does not run", pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	testutil.WaitFor(t, 10*time.Second, func() bool { return !alive(pid) },
		func() string { return fmt.Sprintf("the program (pid %d) ended with its director", pid) })
}

// alive: pid runs (a zombie waiting to be reaped has ended).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z' && b[i+2] != 'X'
}
