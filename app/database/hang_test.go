package database_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tugi/app/database"
	"tugi/app/pgcluster"
)

// hungCluster starts a throwaway PostgreSQL cluster and returns its DSN and a function
// that stops (SIGSTOP) or resumes (SIGCONT) the postmaster and all its children: a server
// that hangs while its kernel still accepts and acknowledges.
func hungCluster(t *testing.T) (dsn string, signal func(syscall.Signal)) {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "tugi-hang-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // reachable by the postgres user when run as root
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start a cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop the cluster: %v", err)
		}
	})
	pidFile, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	// Each of the postmaster's children is a session of its own (PostgreSQL calls setsid),
	// so each is signalled: the postmaster first, so that it forks no new one meanwhile.
	cluster := func() []int {
		pids := []int{pid}
		procs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, f := range procs {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // gone meanwhile
			}
			// pid (comm) state ppid ...: comm may hold spaces and parentheses.
			fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
			if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
				child, _ := strconv.Atoi(strings.Fields(string(b))[0])
				pids = append(pids, child)
			}
		}
		return pids
	}
	signal = func(sig syscall.Signal) {
		t.Helper()
		for _, p := range cluster() {
			if err := syscall.Kill(p, sig); err != nil {
				t.Fatalf("signal %v to %d of the cluster: %v", sig, p, err)
			}
		}
	}
	t.Cleanup(func() { // before the cluster stops
		for _, p := range cluster() {
			syscall.Kill(p, syscall.SIGCONT)
		}
	})
	return c.DSN("postgres"), signal
}

// While PostgreSQL hangs, readiness says no within 2 s, one ping at a time, and a query
// fails once its round trip has taken the statement timeout and the margin; once the
// server resumes, both work again.
func TestHungDatabaseIsAnsweredInBoundedTime(t *testing.T) {
	dsn, signal := hungCluster(t)
	ctx := context.Background()
	const statement = time.Second
	db, err := database.OpenLimited(ctx, dsn, database.Limits{Statement: statement})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ready := database.NewReadiness(db, 1500*time.Millisecond)
	if err := ready.Check(ctx); err != nil {
		t.Fatalf("readiness of a running database: %v", err)
	}
	var timeout string
	if err := db.GetContext(ctx, &timeout, `SHOW statement_timeout`); err != nil || timeout != "1s" {
		t.Errorf("the session's statement_timeout is %q (%v), want 1s", timeout, err)
	}

	// Connections open and idle in the pool, so that the query below is sent over one,
	// not held up while connecting (which connect_timeout bounds).
	var conns []*sql.Conn
	for range 3 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		conn.Close()
	}

	signal(syscall.SIGSTOP)
	for i := range 5 {
		start := time.Now()
		err := ready.Check(ctx)
		if took := time.Since(start); err == nil || took > 2*time.Second {
			t.Errorf("readiness check %d of a hung database: %v after %s, want an error within 2 s", i, err, took.Round(time.Millisecond))
		}
	}
	if n := db.Stats().InUse; n > 1 {
		t.Errorf("%d connections busy after five readiness checks, want at most one ping in flight", n)
	}

	// The query runs on its own, so that a query that hangs fails the test, and resuming
	// the server below ends it.
	start := time.Now()
	queried := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, `SELECT 1`)
		queried <- err
	}()
	bound := statement + database.RoundTripMargin + 2*time.Second // and some slack for a busy machine
	select {
	case err := <-queried:
		if err == nil {
			t.Error("a query to a hung database succeeded")
		}
		t.Logf("a query to a hung database failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(bound):
		t.Errorf("a query to a hung database had no answer after %s", bound)
		defer func() { <-queried }() // once the server has resumed
	}

	signal(syscall.SIGCONT)
	deadline := time.Now().Add(15 * time.Second)
	for ready.Check(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := ready.Check(ctx); err != nil {
		t.Errorf("readiness after the database resumed: %v", err)
	}
	var one int
	if err := db.GetContext(ctx, &one, `SELECT 1`); err != nil || one != 1 {
		t.Errorf("a query after the database resumed: %d, %v", one, err)
	}
}
