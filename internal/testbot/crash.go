package testbot

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dangke/commands"
	"dangke/store"
)

// childEnv marks a copy of the test binary started by Start.
const childEnv = "DANGKE_CRASH_CHILD"

// IsChild reports whether this process is a child started by Start: the
// child's test runs the bot instead of skipping.
func IsChild() bool { return os.Getenv(childEnv) != "" }

// Setup prepares the database file at path as Router does, and closes it,
// so that a child process can open it.
func Setup(t testing.TB, path, platform, chat, admin string) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	setupRouter(t, st, platform, chat, admin, nil)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// RouterAt is Router on the database file at path, which may hold the data
// of an earlier run (a restart); the store is closed when the test ends.
func RouterAt(t testing.TB, path, platform, chat, admin string) (*commands.Router, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return setupRouter(t, st, platform, chat, admin, nil), st
}

// Child is a copy of the test binary running one test as the bot, to be
// killed with SIGKILL at a chosen moment: a crash, not a shutdown.
type Child struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
}

// Start runs the test named test in a child process of the test binary with
// env added to its environment; its standard output comes back line by
// line through WaitFor. The child is killed when the test ends.
func Start(t testing.TB, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(t.TempDir(), "child.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			default:
			}
		}
		_ = cmd.Wait()
		_ = logf.Close()
	}()
	t.Cleanup(c.Kill)
	return c
}

// WaitFor waits until the child prints a line starting with prefix.
func (c *Child) WaitFor(t testing.TB, prefix string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case l := <-c.lines:
			if strings.HasPrefix(l, prefix) {
				return
			}
		case <-c.done:
			t.Fatalf("the child ended before printing %q", prefix)
		case <-deadline:
			t.Fatalf("timed out waiting for the child to print %q", prefix)
		}
	}
}

// Kill sends SIGKILL to the child and waits until it is gone.
func (c *Child) Kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}
