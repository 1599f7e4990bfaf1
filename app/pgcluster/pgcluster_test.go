package pgcluster

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// reachableDir returns a fresh directory under /var/tmp that every user can search, so a
// cluster started in it lives in it; it is removed after the test.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "tugi-pgcluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// start starts a cluster and makes sure it is stopped and, when it lives outside dir,
// removed after the test.
func start(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		abs, _ := filepath.Abs(dir)
		if base := filepath.Dir(c.DataDir()); !strings.HasPrefix(base, abs+"/") && strings.HasPrefix(base, "/var/tmp/tugi-") {
			os.RemoveAll(base)
		}
	})
	return c
}

func query(t *testing.T, dsn, q string, args ...any) string {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func execSQL(t *testing.T, dsn, q string) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// assertGone fails unless the postmaster pid has exited and no process serves dataDir.
func assertGone(t *testing.T, pid int, dataDir string) {
	t.Helper()
	if alive(pid) && !isZombie(pid) {
		t.Errorf("postmaster %d still running after Stop", pid)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		n, _ := strconv.Atoi(filepath.Base(p))
		if isPostmasterOf(n, dataDir) {
			t.Errorf("process %d still serves %s after Stop", n, dataDir)
		}
	}
}

// checkCluster runs the life of a cluster in dir: start, use, stop, start again on the
// same data (no initdb: the table made the first time is still there), stop.
func checkCluster(t *testing.T, dir string) *Cluster {
	c := start(t, dir)
	dsn := c.DSN("tugi")
	if !strings.HasPrefix(dsn, "host=/") {
		t.Errorf("DSN %q does not name the socket directory", dsn)
	}
	if got := query(t, dsn, `SELECT current_database() || ' ' || current_user`); got != "tugi tugi" {
		t.Errorf("connected to %q, want database tugi as user tugi", got)
	}
	if got := query(t, dsn, `SHOW listen_addresses`); got != "" {
		t.Errorf("listen_addresses = %q, want none (Unix socket only)", got)
	}
	execSQL(t, dsn, `CREATE TABLE survives_restart (id int); INSERT INTO survives_restart VALUES (42)`)
	fi, err := os.Stat(c.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, want 0700", fi.Mode().Perm())
	}
	if os.Geteuid() == 0 && fi.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Error("data directory belongs to root; the server must run as postgres")
	}

	pid := c.cmd.Process.Pid
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	assertGone(t, pid, c.DataDir())
	if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid left after Stop (%v)", err)
	}

	c2 := start(t, dir)
	if c2.DataDir() != c.DataDir() {
		t.Errorf("second start uses %s, first used %s", c2.DataDir(), c.DataDir())
	}
	if got := query(t, c2.DSN("tugi"), `SELECT id::text FROM survives_restart`); got != "42" {
		t.Errorf("after restart survives_restart holds %q, want 42", got)
	}
	return c2
}

func TestClusterInReachableDir(t *testing.T) {
	t.Parallel()
	dir := reachableDir(t)
	c := checkCluster(t, dir)
	if want := filepath.Join(dir, "postgres"); c.DataDir() != want {
		t.Errorf("data directory %s, want %s", c.DataDir(), want)
	}
	if want := "host=" + filepath.Join(dir, "run") + " "; !strings.HasPrefix(c.DSN("x"), want) {
		t.Errorf("DSN %q, want it to start with %q", c.DSN("x"), want)
	}
}

// TestClusterInClosedDir starts a cluster in a directory under t.TempDir, which is closed
// to other users (0700). Run as root, the server's user cannot reach it, so the cluster
// must live in /var/tmp instead.
func TestClusterInClosedDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "var")
	c := checkCluster(t, dir)
	want := filepath.Join(dir, "postgres")
	if os.Geteuid() == 0 {
		want = filepath.Join("/var/tmp", "tugi-"+shortHash(dir), "postgres")
	}
	if c.DataDir() != want {
		t.Errorf("data directory %s, want %s", c.DataDir(), want)
	}
}

// TestLongSocketPath: a socket path over the kernel's limit moves the socket to /tmp,
// and Stop removes that directory.
func TestLongSocketPath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(reachableDir(t), strings.Repeat("long-directory-name-", 5))
	c := start(t, dir)
	if !c.tmpSocket || c.socketDir != "/tmp/tugi-"+shortHash(dir) {
		t.Errorf("socket directory %s, want /tmp/tugi-%s", c.socketDir, shortHash(dir))
	}
	if got := query(t, c.DSN("postgres"), `SELECT 'ok'`); got != "ok" {
		t.Errorf("query returned %q", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory %s left after Stop (%v)", c.socketDir, err)
	}
}

// TestLeftoverServer: a server still running from a run that died without stopping it is
// stopped and replaced; a second Start while the first cluster is in use is refused.
func TestLeftoverServer(t *testing.T) {
	t.Parallel()
	dir := reachableDir(t)
	c1 := start(t, dir)

	if _, err := Start(context.Background(), Options{Dir: dir, Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Start on a cluster in use: err = %v, want it refused", err)
	}

	// Forget c1 as a crashed Tugi would: its lock goes, its server stays.
	c1.lock.Close()
	oldPid := c1.cmd.Process.Pid
	c2 := start(t, dir)
	select {
	case <-c1.exited:
	case <-time.After(5 * time.Second):
		t.Fatalf("leftover postmaster %d still running after the next Start", oldPid)
	}
	if got := query(t, c2.DSN("tugi"), `SELECT 'ok'`); got != "ok" {
		t.Errorf("query returned %q", got)
	}
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}

	// A postmaster.pid naming a live process that is no postgres of this cluster (this
	// test binary) is stale: postgres would refuse it, Start removes it.
	pidFile := filepath.Join(c2.DataDir(), "postmaster.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"+c2.DataDir()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c3 := start(t, dir)
	if got := query(t, c3.DSN("tugi"), `SELECT 'ok'`); got != "ok" {
		t.Errorf("query returned %q", got)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, _, err := findServer(context.Background(), "", filepath.Join(t.TempDir(), "*", "bin"))
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("error %q does not say what to install", err)
	}
}

func TestFindServer(t *testing.T) {
	bin, major, err := findServer(context.Background(), "", "/usr/lib/postgresql/*/bin")
	if err != nil {
		t.Fatal(err)
	}
	if !isExecutable(filepath.Join(bin, "initdb")) || major == "" {
		t.Errorf("findServer = %s, %s", bin, major)
	}
	if _, _, err := findServer(context.Background(), "9.1", "/usr/lib/postgresql/*/bin"); err == nil || !strings.Contains(err.Error(), "created by PostgreSQL 9.1") {
		t.Errorf("a cluster of a version not installed: err = %v", err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"9.6", "15", -1}, {"15", "15", 0}, {"16", "15", 1}, {"10", "9.6", 1}} {
		got := compareVersions(tc.a, tc.b)
		if (got < 0) != (tc.want < 0) || (got > 0) != (tc.want > 0) {
			t.Errorf("compareVersions(%s, %s) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestQuoteDSN(t *testing.T) {
	for in, want := range map[string]string{"/var/run": "/var/run", "a b": "'a b'", `it's`: `'it\'s'`, "": "''"} {
		if got := quoteDSN(in); got != want {
			t.Errorf("quoteDSN(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestServerDiesWithTugi: killing the process that started the cluster (kill -9, so it
// cannot stop it) still stops the server. The test runs itself as that process.
func TestServerDiesWithTugi(t *testing.T) {
	if dir := os.Getenv("PGCLUSTER_TEST_CHILD_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("pid " + strconv.Itoa(c.cmd.Process.Pid) + "\n")
		select {} // until killed
	}
	t.Parallel()
	dir := reachableDir(t)
	child := osexec.Command(os.Args[0], "-test.run=^TestServerDiesWithTugi$")
	child.Env = append(os.Environ(), "PGCLUSTER_TEST_CHILD_DIR="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("child did not start a cluster: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil || !isPostmasterOf(pid, filepath.Join(dir, "postgres")) {
		t.Fatalf("child reported %q, not a postmaster of its cluster", line)
	}
	child.Process.Kill()
	child.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGQUIT)
			t.Fatalf("postmaster %d outlived the killed process that started it", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
