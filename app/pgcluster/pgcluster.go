// Package pgcluster runs a private PostgreSQL cluster for development and tests: the one
// `tugi serve` starts when no DATABASE_URL is given, and the one the test harness starts
// when TEST_DATABASE_URL is unset.
//
// The cluster uses the machine's PostgreSQL server programs, keeps its data in
// <Dir>/postgres and listens only on a Unix socket in <Dir>/run, a directory no other user
// can enter; it accepts no TCP connections, so trust authentication is safe. The server
// runs as a child of this process in its own process group: a Ctrl-C in the terminal
// reaches Tugi only, which stops PostgreSQL after its own requests have finished, and the
// kernel stops PostgreSQL should Tugi die without doing so.
//
// PostgreSQL refuses to run as root. Run as root, the cluster runs as the "postgres"
// system user, and when that user cannot reach <Dir> (a checkout in a 0700 directory such
// as root's home or a mktemp directory) the cluster lives in /var/tmp/tugi-<hash> instead.
package pgcluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// ErrNotInstalled is returned (wrapped) by Start when no PostgreSQL server programs are found.
var ErrNotInstalled = errors.New("PostgreSQL server programs (initdb, postgres) not found: install PostgreSQL's server package (Debian: apt-get install postgresql)")

// AppDatabase is the database Start creates for Tugi.
const AppDatabase = "tugi"

const (
	port          = 5432 // only names the socket file; the server listens on no TCP port
	superuser     = "tugi"
	socketFile    = ".s.PGSQL.5432"
	maxSocketPath = 100 // the kernel allows 107 bytes; leave room
	logRotateSize = 10 << 20
	readyTimeout  = 60 * time.Second
	stopTimeout   = 15 * time.Second
)

// Options configure Start.
type Options struct {
	Dir    string // base directory, normally "./var" of the checkout; made absolute
	Logger *slog.Logger
}

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	dataDir   string
	socketDir string
	tmpSocket bool // socketDir is a short directory under /tmp that Stop removes
	logPath   string
	log       *slog.Logger

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postmaster has exited
	waitErr error         // its exit status, valid once exited is closed
	lock    *os.File      // flock held while this process owns the cluster

	stopOnce sync.Once
	stopErr  error
}

// account is the system user the server programs run as when Tugi runs as root.
type account struct {
	name     string
	uid, gid uint32
	groups   []uint32
}

// Start finds PostgreSQL's server programs, creates the cluster on first use, starts the
// server, waits until it accepts connections and creates the database "tugi" if it is
// missing. ctx bounds the start-up only; the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: no directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}

	runAs, err := serverAccount()
	if err != nil {
		return nil, err
	}

	// Where the cluster lives.
	hash := shortHash(dir)
	base, reason := dir, "inside "+dir
	if runAs != nil && !canReach(runAs, dir) {
		base = filepath.Join("/var/tmp", "tugi-"+hash)
		reason = fmt.Sprintf("the %q user cannot reach %s (a parent directory is closed to it, as root's home or a mktemp directory is), so the cluster lives outside the checkout", runAs.name, dir)
		if err := privateDir(base, runAs); err != nil {
			return nil, err
		}
	}
	c := &Cluster{
		dataDir:   filepath.Join(base, "postgres"),
		socketDir: filepath.Join(base, "run"),
		logPath:   filepath.Join(base, "postgres.log"),
		log:       log,
	}
	if len(c.socketDir)+1+len(socketFile) > maxSocketPath {
		c.socketDir = filepath.Join("/tmp", "tugi-"+hash)
		c.tmpSocket = true
	}

	// One process at a time: a second tugi on the same checkout fails here instead of
	// stopping the first one's server.
	c.lock, err = lockFile(filepath.Join(base, "postgres.lock"))
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.lock.Close()
		}
	}()

	wantMajor := ""
	if b, err := os.ReadFile(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		wantMajor = strings.TrimSpace(string(b))
	}
	bin, major, err := findServer(ctx, wantMajor, "/usr/lib/postgresql/*/bin")
	if err != nil {
		return nil, err
	}
	log.Info("embedded PostgreSQL", "data", c.dataDir, "socket", c.socketDir, "log", c.logPath,
		"version", major, "where", reason)

	if err := c.prepareDirs(runAs); err != nil {
		return nil, err
	}
	logFile, err := openLog(c.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the server keeps its own copy of the descriptor

	if wantMajor == "" {
		log.Info("embedded PostgreSQL: creating the cluster (initdb)", "data", c.dataDir)
		initdb := func(locale ...string) error {
			args := append([]string{"-D", c.dataDir, "-U", superuser, "--auth=trust", "-E", "UTF8"}, locale...)
			cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
			cmd.Dir = "/"
			cmd.Env = serverEnv()
			cmd.Stdout, cmd.Stderr = logFile, logFile
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: runAs.credential()}
			return cmd.Run()
		}
		// Sorting stays C (byte order, fast), but character classes and case follow
		// Unicode: with a C LC_CTYPE, lower() and ILIKE fold only ASCII letters, so
		// "Õun OÜ" and "õun oü" would count as different organisation names. Without the
		// C.UTF-8 locale on this system, plain C it is (initdb cleans up after a failure).
		if err := initdb("--locale=C", "--lc-ctype=C.UTF-8"); err != nil {
			log.Warn("embedded PostgreSQL: no C.UTF-8 locale here; lower() and ILIKE will fold only ASCII letters", "error", err)
			if err := initdb("--no-locale"); err != nil {
				return nil, fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.dataDir, err, logTail(c.logPath))
			}
		}
	}

	if err := c.clearStalePostmaster(ctx); err != nil {
		return nil, err
	}

	c.cmd = exec.Command(filepath.Join(bin, "postgres"),
		"-D", c.dataDir,
		"-k", c.socketDir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "unix_socket_permissions=0700",
	)
	c.cmd.Dir = "/"
	c.cmd.Env = serverEnv()
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	c.cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: runAs.credential(),
		Setpgid:    true,           // Ctrl-C in the terminal reaches Tugi, not the server
		Pdeathsig:  syscall.SIGINT, // a killed Tugi takes its server with it
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgcluster: start postgres: %w", err)
	}
	c.exited = make(chan struct{})
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	ok = true // from here on, Stop releases everything

	if err := c.waitReady(ctx); err != nil {
		c.Stop() //nolint:errcheck // the start-up error is the one to report
		return nil, err
	}
	if err := c.createAppDatabase(ctx); err != nil {
		c.Stop() //nolint:errcheck // the start-up error is the one to report
		return nil, err
	}
	log.Info("embedded PostgreSQL ready", "pid", c.cmd.Process.Pid, "dsn", c.DSN(AppDatabase))
	return c, nil
}

// DSN returns a key=value connection string for database dbname of this cluster, as its
// superuser, which owns the schema and migrates it. It always names the socket directory
// as host: without it, a client would reach the machine's own PostgreSQL.
func (c *Cluster) DSN(dbname string) string {
	return c.dsn(superuser, dbname)
}

// AppDSN returns a key=value connection string for database dbname of this cluster as
// AppRole, the least-privileged role Tugi serves as (EnsureAppRole creates it).
func (c *Cluster) AppDSN(dbname string) string {
	return c.dsn(AppRole, dbname)
}

func (c *Cluster) dsn(user, dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteDSN(c.socketDir), port, user, quoteDSN(dbname))
}

// AppRole is the login role the embedded mode serves as: a member of the group tugi_app
// (db/migrations/0002) and nothing else, as docs/audit.md sets production up, so that the
// database itself refuses to change or delete an audit event the server wrote.
const AppRole = "tugi_web"

// EnsureAppRole creates AppRole, a login role in the group tugi_app, if it is missing,
// and makes sure it is a member. tugi_app is made by the migrations: run them first.
func (c *Cluster) EnsureAppRole(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer db.Close()
	var group, exists bool
	err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tugi_app'),
		EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, AppRole).Scan(&group, &exists)
	if err != nil {
		return fmt.Errorf("pgcluster: look for role %s: %w", AppRole, err)
	}
	if !group {
		return errors.New("pgcluster: role tugi_app does not exist: migrate the database first")
	}
	stmt := `CREATE ROLE ` + pq.QuoteIdentifier(AppRole) + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE tugi_app`
	if exists {
		// A role of that name made by hand gets no more than the group's rights either.
		stmt = `ALTER ROLE ` + pq.QuoteIdentifier(AppRole) + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("pgcluster: role %s: %w", AppRole, err)
	}
	if exists {
		var member bool
		if err := db.QueryRowContext(ctx, `SELECT pg_has_role($1, 'tugi_app', 'MEMBER')`, AppRole).Scan(&member); err != nil {
			return fmt.Errorf("pgcluster: role %s: %w", AppRole, err)
		}
		if !member {
			if _, err := db.ExecContext(ctx, `GRANT tugi_app TO `+pq.QuoteIdentifier(AppRole)); err != nil {
				return fmt.Errorf("pgcluster: role %s: %w", AppRole, err)
			}
		}
	} else {
		c.log.Info("embedded PostgreSQL: role created", "role", AppRole)
	}
	return nil
}

// DataDir returns the cluster's data directory.
func (c *Cluster) DataDir() string { return c.dataDir }

// Stop shuts the server down quickly (rolling back open transactions) and waits for it to
// exit; after 15 seconds it gives up waiting and stops it immediately. Calling Stop again
// returns the first call's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	defer func() {
		c.lock.Close()
		if c.tmpSocket {
			os.Remove(c.socketDir) // empty once the server is gone
		}
	}()
	select {
	case <-c.exited:
		return c.exitError()
	default:
	}
	// SIGINT: fast shutdown. Only the postmaster: it stops its children itself.
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgcluster: stop: %w", err)
	}
	select {
	case <-c.exited:
		return c.exitError()
	case <-time.After(stopTimeout):
	}
	c.log.Warn("embedded PostgreSQL did not stop in time; stopping it immediately", "pid", c.cmd.Process.Pid)
	c.cmd.Process.Signal(syscall.SIGQUIT) //nolint:errcheck // it may just have exited
	select {
	case <-c.exited:
		return fmt.Errorf("pgcluster: stop: the server did not shut down within %s and was stopped immediately", stopTimeout)
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // last resort, whole group
	<-c.exited
	return fmt.Errorf("pgcluster: stop: the server ignored SIGINT and SIGQUIT and was killed")
}

func (c *Cluster) exitError() error {
	if c.waitErr != nil {
		return fmt.Errorf("pgcluster: postgres exited: %w\n%s", c.waitErr, logTail(c.logPath))
	}
	return nil
}

// waitReady polls the server until it accepts a connection, the process exits, or the
// time runs out.
func (c *Cluster) waitReady(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		pingCtx, pingCancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.PingContext(pingCtx)
		pingCancel()
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("pgcluster: postgres exited during start-up (%v)\n%s", c.waitErr, logTail(c.logPath))
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: postgres did not accept connections within %s: %w (last error: %v)\n%s",
				readyTimeout, ctx.Err(), err, logTail(c.logPath))
		case <-tick.C:
		}
	}
}

func (c *Cluster) createAppDatabase(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, AppDatabase).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: look for database %s: %w", AppDatabase, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(AppDatabase)); err != nil {
		return fmt.Errorf("pgcluster: create database %s: %w", AppDatabase, err)
	}
	c.log.Info("embedded PostgreSQL: database created", "database", AppDatabase)
	return nil
}

// prepareDirs creates the data and socket directories, private to the server's user.
func (c *Cluster) prepareDirs(runAs *account) error {
	if err := privateDir(c.dataDir, runAs); err != nil {
		return err
	}
	return privateDir(c.socketDir, runAs)
}

// clearStalePostmaster deals with the postmaster.pid of an earlier run. It runs with the
// cluster's lock held, so no live Tugi owns the cluster: a postgres still running on this
// data directory was left behind and is stopped; a pid file naming some other live
// process is stale and removed, because postgres would refuse to start over it. A pid
// file naming a dead process is left to postgres, which replaces it.
func (c *Cluster) clearStalePostmaster(ctx context.Context) error {
	pidFile := filepath.Join(c.dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 || !alive(pid) {
		return nil
	}
	if !isPostmasterOf(pid, c.dataDir) {
		c.log.Info("embedded PostgreSQL: removing a stale postmaster.pid", "pid", pid)
		if err := os.Remove(pidFile); err != nil {
			return fmt.Errorf("pgcluster: remove stale %s: %w", pidFile, err)
		}
		return nil
	}
	c.log.Warn("embedded PostgreSQL: stopping a server left running by an earlier run", "pid", pid)
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		return fmt.Errorf("pgcluster: stop leftover postgres %d: %w", pid, err)
	}
	if waitGone(ctx, pid, stopTimeout) {
		return nil
	}
	syscall.Kill(pid, syscall.SIGQUIT) //nolint:errcheck // it may just have exited
	if waitGone(ctx, pid, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("pgcluster: a postgres left running by an earlier run (pid %d) does not stop", pid)
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func waitGone(ctx context.Context, pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if !alive(pid) || isZombie(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !alive(pid)
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...; comm may contain spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// isPostmasterOf reports whether pid is a postgres server started on dataDir, judged by its
// command line (a postmaster keeps its own; its children rename themselves).
func isPostmasterOf(pid int, dataDir string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) == 0 || filepath.Base(args[0]) != "postgres" {
		return false
	}
	for i, a := range args {
		if (a == "-D" && i+1 < len(args) && filepath.Clean(args[i+1]) == dataDir) || a == "-D"+dataDir {
			return true
		}
	}
	return false
}

// serverAccount returns the user to run the server programs as: nil (this process's
// user) unless this process runs as root, which PostgreSQL refuses.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: PostgreSQL refuses to run as root, and there is no \"postgres\" system user to run it as: create one (Debian: adduser --system --group --home /var/lib/postgresql postgres) or run tugi as a normal user: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgcluster: user postgres: %w", err)
	}
	if uid == 0 {
		return nil, errors.New("pgcluster: the \"postgres\" user has uid 0; PostgreSQL refuses to run as root")
	}
	a := &account{name: u.Username, uid: uint32(uid), gid: uint32(gid)}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(n))
		}
	}
	return a, nil
}

// credential is what exec needs to run a program as a; nil runs it as this process.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}
}

// canReach reports whether a can search (reach files inside) dir, every parent included.
// It asks the kernel by running test(1) as a, which also honours ACLs; without test(1) it
// checks the permission bits itself.
func canReach(a *account, dir string) bool {
	if testBin, err := exec.LookPath("test"); err == nil {
		cmd := exec.Command(testBin, "-x", dir)
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.credential()}
		return cmd.Run() == nil
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		perm := fi.Mode().Perm()
		var bit os.FileMode = 0o001
		switch {
		case st.Uid == a.uid:
			bit = 0o100
		case st.Gid == a.gid || slices.Contains(a.groups, st.Gid):
			bit = 0o010
		}
		if perm&bit == 0 {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

// privateDir makes dir exist as a directory of mode 0700 owned by the server's user. A
// directory that exists already must be a real directory owned by that user (or, before
// it is handed over, by this process's user), so nobody can plant one in /tmp or /var/tmp
// for the server to use.
func privateDir(dir string, runAs *account) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok {
		return fmt.Errorf("pgcluster: %s is not a directory", dir)
	}
	owner := uint32(os.Geteuid())
	if runAs != nil && st.Uid != owner {
		owner = runAs.uid
	}
	if st.Uid != owner {
		return fmt.Errorf("pgcluster: %s belongs to uid %d, not to the user PostgreSQL runs as (uid %d); remove it or run tugi as its owner", dir, st.Uid, owner)
	}
	if runAs != nil {
		if err := os.Lchown(dir, int(runAs.uid), int(runAs.gid)); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// lockFile takes an exclusive lock on path, held until the returned file is closed (or
// this process dies). The descriptor is close-on-exec, so the server does not inherit it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("pgcluster: the cluster in %s is in use by another process (pid %s); is another tugi running in this checkout?",
			filepath.Dir(path), strings.TrimSpace(string(holder)))
	}
	// The pid is only a hint for the message above.
	f.Truncate(0)                                        //nolint:errcheck // a hint
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0) //nolint:errcheck // a hint
	return f, nil
}

// findServer looks for a directory holding both initdb and postgres: the one on PATH,
// then pg_config --bindir, then the newest of debianGlob. With wantMajor set (the data
// directory's PG_VERSION) only that major version will do.
func findServer(ctx context.Context, wantMajor, debianGlob string) (bin, major string, err error) {
	var dirs []string
	for _, name := range []string{"postgres", "initdb"} {
		if p, err := exec.LookPath(name); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.CommandContext(ctx, pgConfig, "--bindir").Output(); err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	debian, _ := filepath.Glob(debianGlob)
	slices.SortFunc(debian, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	dirs = append(dirs, debian...)

	var found []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[d] || !isExecutable(filepath.Join(d, "initdb")) || !isExecutable(filepath.Join(d, "postgres")) {
			continue
		}
		seen[d] = true
		m, err := serverMajor(ctx, filepath.Join(d, "postgres"))
		if err != nil {
			continue
		}
		if wantMajor == "" || m == wantMajor {
			return d, m, nil
		}
		found = append(found, m+" in "+d)
	}
	if len(found) > 0 {
		return "", "", fmt.Errorf("pgcluster: the cluster was created by PostgreSQL %s, but only %s is installed: install PostgreSQL %s's server package (Debian: apt-get install postgresql-%s) or move the data directory away to start afresh",
			wantMajor, strings.Join(found, ", "), wantMajor, wantMajor)
	}
	return "", "", fmt.Errorf("pgcluster: %w", ErrNotInstalled)
}

// serverMajor runs postgres --version ("postgres (PostgreSQL) 15.20 (Debian ...)") and
// returns the major version as PG_VERSION writes it ("15", or "9.6" before 10).
func serverMajor(ctx context.Context, postgres string) (string, error) {
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return "", fmt.Errorf("unexpected version %q", out)
	}
	parts := strings.Split(f[2], ".")
	if n, _ := strconv.Atoi(parts[0]); n < 10 && len(parts) > 1 {
		return parts[0] + "." + parts[1], nil
	}
	return strings.TrimRightFunc(parts[0], func(r rune) bool { return r < '0' || r > '9' }), nil
}

// versionOf returns the version directory of a Debian bin path, "15" of /usr/lib/postgresql/15/bin.
func versionOf(bin string) string { return filepath.Base(filepath.Dir(bin)) }

// compareVersions compares dotted numeric versions ("9.6" < "15").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// serverEnv is this process's environment without PG* variables, which would otherwise
// steer the server programs (PGDATA, PGPORT, ...).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// openLog opens the server log for appending, first moving a large one aside.
func openLog(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > logRotateSize {
		os.Rename(path, path+".1") //nolint:errcheck // if it fails, the log just grows
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	return f, nil
}

// logTail returns the last lines of the server log, for error messages.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const maxBytes = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > maxBytes {
		f.Seek(fi.Size()-maxBytes, io.SeekStart) //nolint:errcheck // then it reads from the start
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "last lines of " + path + ":\n" + strings.Join(lines, "\n")
}

// quoteDSN quotes a key=value connection string value when it needs it.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n\r") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}
