package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/demo"
	"tugi/app/testdb"
	"tugi/app/user"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// run runs tugi with args and stdin, and returns what it printed and its error.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// freshDatabase points DATABASE_URL at a new, empty, migrated database, and
// TUGI_FACTOR_KEY at a new key (production sets one beside DATABASE_URL), and returns a
// pool on the database for the test to look into.
func freshDatabase(t *testing.T) *sqlx.DB {
	t.Helper()
	dsn := testdb.NewDSN(t)
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("TUGI_FACTOR_KEY", newFactorKeyFile(t))
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newFactorKeyFile writes a new factor key into the test's temporary folder.
func newFactorKeyFile(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "factor-key.txt")
	if err := auth.WriteFactorKeyFile(file); err != nil {
		t.Fatal(err)
	}
	return file
}

func countRows(t *testing.T, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestUserAdd(t *testing.T) {
	db := freshDatabase(t)
	const password = "a long enough password"
	stdout, stderr, err := run(t, password+"\n", "user", "add", "--email", "A@B.example", "--name", "A", "--role", "agent", "--role", "employee")
	if err != nil {
		t.Fatalf("user add: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`^created user \d+: A <a@b\.example>`).MatchString(stdout) {
		t.Errorf("user add printed %q", stdout)
	}

	u, err := user.NewStore(db).ByEmail(context.Background(), "a@b.example")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(u.Roles.Strings(), ","); got != "employee,agent" || u.Name != "A" || u.OrgID != nil || !u.Active {
		t.Errorf("created %+v, want an active staff member with roles employee,agent", u)
	}
	if !user.CheckPassword(u.PasswordHash, password) {
		t.Error("the password read from standard input does not sign in")
	}
	var ev struct {
		Actor *int64 `db:"actor_user_id"`
		Job   string `db:"actor_job"`
	}
	if err := db.Get(&ev, `SELECT actor_user_id, actor_job FROM audit_events WHERE action = 'user.create' AND object_id = $1::text`, u.ID); err != nil {
		t.Fatalf("no audit event for the new user: %v", err)
	}
	if ev.Actor != nil || ev.Job != "cli" {
		t.Errorf("audited as user %v, job %q; want job cli", ev.Actor, ev.Job)
	}
	if n := countRows(t, db, `SELECT count(*) FROM audit_events`); n != 1 {
		t.Errorf("%d audit events, want 1", n)
	}

	// The same address again, in another case.
	_, _, err = run(t, "", "user", "add", "--email", "a@B.EXAMPLE", "--name", "A2", "--role", "employee", "--password", password)
	if !errors.Is(err, user.ErrEmailTaken) {
		t.Errorf("adding the address again: %v, want ErrEmailTaken", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestDemoAndCustomer(t *testing.T) {
	db := freshDatabase(t)
	stdout, stderr, err := run(t, "", "demo")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "demo data loaded") || !strings.Contains(stdout, demo.Password) {
		t.Errorf("demo printed %q", stdout)
	}
	if n := countRows(t, db, `SELECT count(*) FROM users`); n != len(demo.People) {
		t.Errorf("%d users after demo, want %d", n, len(demo.People))
	}
	_, _, err = run(t, "", "demo")
	if err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("second demo: %v, want 'already loaded'", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM users`); n != len(demo.People) {
		t.Errorf("%d users after the second demo, want %d", n, len(demo.People))
	}

	for i, org := range []string{"Demo Customer OÜ", "demo customer oü"} {
		email := []string{"c1@demo-customer.example", "c2@demo-customer.example"}[i]
		_, stderr, err := run(t, "", "user", "add", "--email", email, "--name", "Klient", "--role", "customer",
			"--org", org, "--password", "customer password")
		if err != nil {
			t.Fatalf("user add --org %q: %v\n%s", org, err, stderr)
		}
		var orgName string
		if err := db.Get(&orgName, `SELECT o.name FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.email = $1`, email); err != nil {
			t.Fatal(err)
		}
		if orgName != "Demo Customer OÜ" {
			t.Errorf("--org %q: the customer belongs to %q", org, orgName)
		}
	}

	before := countRows(t, db, `SELECT count(*) FROM users`)
	for _, tc := range []struct {
		args  []string
		words string
	}{
		{[]string{"--role", "customer", "--org", "No Such OÜ"}, `no organisation called "No Such OÜ"`},
		{[]string{"--role", "customer"}, "belongs to an organisation"},
		{[]string{"--role", "employee", "--org", "Demo Customer OÜ"}, "do not belong"},
		{[]string{"--role", "customer", "--role", "agent", "--org", "Demo Customer OÜ"}, "only the customer role"},
	} {
		args := append([]string{"user", "add", "--email", "x@demo-customer.example", "--name", "X", "--password", "customer password"}, tc.args...)
		_, _, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), tc.words) {
			t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.words)
		}
	}
	if n := countRows(t, db, `SELECT count(*) FROM users`); n != before {
		t.Errorf("failed additions left %d users, want %d", n, before)
	}
}

func TestUserAddMistakes(t *testing.T) {
	db := freshDatabase(t)
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		words  string // in the error
		usage  bool   // the usage is printed
		stderr string // also in stderr
	}{
		{"no e-mail", "long password 1\n", []string{"--name", "A", "--role", "agent"}, "required", true, ""},
		{"no name", "long password 1\n", []string{"--email", "a@b.example", "--role", "agent"}, "required", true, ""},
		{"no role", "long password 1\n", []string{"--email", "a@b.example", "--name", "A"}, "required", true, ""},
		{"unknown role", "long password 1\n", []string{"--email", "a@b.example", "--name", "A", "--role", "boss"}, `unknown role "boss"`, true, `unknown role "boss"`},
		{"short password", "short\n", []string{"--email", "a@b.example", "--name", "A", "--role", "agent"}, "at least 12 characters", false, ""},
		{"short password flag", "", []string{"--email", "a@b.example", "--name", "A", "--role", "agent", "--password", "eleven char"}, "at least 12 characters", false, ""},
		{"no password at all", "", []string{"--email", "a@b.example", "--name", "A", "--role", "agent"}, "at least 12 characters", false, ""},
		{"unknown flag", "", []string{"--email", "a@b.example", "--admin"}, "flag provided but not defined", true, ""},
		{"not an e-mail", "long password 1\n", []string{"--email", "a@b", "--name", "A", "--role", "agent"}, "not an e-mail address", false, ""},
		{"a display name", "long password 1\n", []string{"--email", "A <a@b.example>", "--name", "A", "--role", "agent"}, "not an e-mail address", false, ""},
		{"a long name", "long password 1\n", []string{"--email", "a@b.example", "--name", strings.Repeat("n", 201), "--role", "agent"}, "longer than 200", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := run(t, tc.stdin, append([]string{"user", "add"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.words) {
				t.Errorf("error %v, want one with %q", err, tc.words)
			}
			if hasUsage := strings.Contains(stderr, "Usage: tugi user add"); hasUsage != tc.usage {
				t.Errorf("usage printed: %v, want %v; stderr:\n%s", hasUsage, tc.usage, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
		})
	}
	if n := countRows(t, db, `SELECT count(*) FROM users`) + countRows(t, db, `SELECT count(*) FROM audit_events`); n != 0 {
		t.Errorf("the mistakes wrote %d rows", n)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := run(t, "", append(strings.Fields(c.name), "-h")...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("-h: %v, want flag.ErrHelp", err)
			}
			if stdout != "" {
				t.Errorf("-h printed to stdout: %q", stdout)
			}
			if !strings.HasPrefix(stderr, "Usage: tugi "+c.name) {
				t.Errorf("-h printed:\n%s", stderr)
			}
			if c.name == "serve" {
				for _, v := range config.Variables {
					if !strings.Contains(stderr, "  "+v.Name+" ") {
						t.Errorf("serve -h does not list %s:\n%s", v.Name, stderr)
					}
				}
			}
			if c.name == "user add" {
				for _, f := range []string{"-email", "-name", "-role", "-org", "-password"} {
					if !strings.Contains(stderr, f) {
						t.Errorf("user add -h does not list %s", f)
					}
				}
			}
		})
	}
	for _, args := range [][]string{nil, {"-h"}, {"--help"}, {"help"}} {
		_, stderr, err := run(t, "", args...)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("tugi %v: %v, want flag.ErrHelp", args, err)
		}
		for _, c := range commands {
			if !strings.Contains(stderr, c.name) {
				t.Errorf("tugi %v does not list %s:\n%s", args, c.name, stderr)
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "remove"}, {"demos"}, {"user add"}, {"serve now"}} {
		_, stderr, err := run(t, "", args...)
		if err == nil || errors.Is(err, flag.ErrHelp) || !strings.Contains(err.Error(), "unknown command") {
			t.Errorf("tugi %q: %v, want 'unknown command'", args, err)
		}
		if !strings.Contains(stderr, "Usage: tugi <command>") {
			t.Errorf("tugi %q printed no usage:\n%s", args, stderr)
		}
	}
}

func TestMigrate(t *testing.T) {
	freshDatabase(t)
	for range 2 {
		stdout, stderr, err := run(t, "", "migrate")
		if err != nil {
			t.Fatalf("migrate: %v\n%s", err, stderr)
		}
		if strings.TrimSpace(stdout) != "the database schema is up to date" {
			t.Errorf("migrate printed %q", stdout)
		}
	}
}

func TestBadConfiguration(t *testing.T) {
	freshDatabase(t)
	t.Setenv("TUGI_ADDR", "nonsense")
	for _, args := range [][]string{{"migrate"}, {"demo"}, {"serve"}, {"user", "add", "--email", "a@b.example", "--name", "A", "--role", "agent", "--password", "long password 1"}} {
		_, _, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "TUGI_ADDR") || !strings.Contains(err.Error(), "nonsense") {
			t.Errorf("tugi %v with TUGI_ADDR=nonsense: %v, want an error naming TUGI_ADDR", args, err)
		}
	}
}

// syncBuffer is a bytes.Buffer that serve may write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `tugi serve` on a fresh database and a free port until the test ends
// or stop is called; it returns the address it listens on.
func startServe(t *testing.T) (addr string, stop func() error, stdout *syncBuffer) {
	t.Helper()
	freshDatabase(t)
	return serveHere(t)
}

// serveHere runs `tugi serve` as the environment says (DATABASE_URL and all) on a free
// port until the test ends or stop is called; it returns the address it listens on.
func serveHere(t *testing.T) (addr string, stop func() error, stdout *syncBuffer) {
	t.Helper()
	t.Setenv("TUGI_ADDR", "127.0.0.1:0")
	if os.Getenv("TUGI_SHUTDOWN_DRAIN") == "" { // a test of the drain sets its own
		t.Setenv("TUGI_SHUTDOWN_DRAIN", "0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- dispatch(ctx, []string{"serve"}, strings.NewReader(""), stdout, &stderr) }()
	stop = func() error {
		cancel() // as SIGINT does
		select {
		case err := <-done:
			done <- err
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
	t.Cleanup(func() { stop() })

	listening := regexp.MustCompile(`listening=(127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s%s", err, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("serve did not say where it listens:\n%s%s", stdout.String(), stderr.String())
	}
	return addr, stop, stdout
}

func TestServe(t *testing.T) {
	addr, stop, stdout := startServe(t)
	for _, path := range []string{"/healthz", "/readyz", "/login"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve after shutdown: %v", err)
	}
	if !strings.Contains(stdout.String(), "Tugi stopped") {
		t.Errorf("serve did not say it stopped:\n%s", stdout.String())
	}
}
