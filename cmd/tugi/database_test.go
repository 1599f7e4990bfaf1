package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/demo"
	"tugi/app/pgcluster"
)

// Without DATABASE_URL, Tugi migrates its embedded database as the owner and serves as
// the least-privileged role, as production does (docs/audit.md): it loads the demo data
// and signs people in, and the database itself refuses to change or delete an audit
// event through the connection it serves with.
func TestEmbeddedServesAsTheAppRole(t *testing.T) {
	dir, err := os.MkdirTemp("/var/tmp", "tugi-embedded-test-")
	if err != nil {
		t.Fatal(err)
	}
	// Reachable by the "postgres" user, should the test run as root, so the cluster
	// lives here and goes with the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TUGI_DATA_DIR", dir)
	t.Setenv("TUGI_FACTOR_KEY", "") // the embedded database makes its own
	if _, stderr, err := run(t, "", "migrate"); err != nil {
		t.Fatalf("migrate the embedded database: %v\n%s", err, stderr)
	}

	addr, stop, stdout := serveHere(t)
	if !strings.Contains(stdout.String(), "demo data loaded") {
		t.Errorf("serve did not load the demo data:\n%s", stdout.String())
	}
	if status := signInCISO(t, addr); status != http.StatusSeeOther {
		t.Fatalf("sign-in on the embedded database: %d\n%s", status, stdout.String())
	}
	if fi, err := os.Stat(filepath.Join(dir, demoFactorKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the embedded database's factor key: %v, %v", fi, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}

	// The same connection serve opens.
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, place, closeDB, err := openDatabase(ctx, cfg, slog.New(slog.DiscardHandler), false, asApp)
	if err != nil {
		t.Fatalf("open the embedded database as serve does: %v", err)
	}
	defer closeDB()
	if !place.Embedded {
		t.Fatal("not the embedded database")
	}
	var who string
	var events int
	if err := db.QueryRowContext(ctx, `SELECT current_user, (SELECT count(*) FROM audit_events)`).Scan(&who, &events); err != nil {
		t.Fatal(err)
	}
	if who != pgcluster.AppRole || events == 0 {
		t.Errorf("serving as %q with %d audit events; want %q and the demo's and the sign-in's events", who, events, pgcluster.AppRole)
	}
	// The trigger of 0001 refuses these whoever asks; the owner or a superuser could
	// switch it off first. The serving role has neither the right to change the log nor
	// to switch the trigger off.
	var canWrite bool
	if err := db.QueryRowContext(ctx, `SELECT has_table_privilege('audit_events', 'UPDATE')
		OR has_table_privilege('audit_events', 'DELETE') OR has_table_privilege('audit_events', 'TRUNCATE')`).Scan(&canWrite); err != nil {
		t.Fatal(err)
	}
	if canWrite {
		t.Error("the serving role may UPDATE, DELETE or TRUNCATE audit_events")
	}
	for _, stmt := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER ALL`,
		`UPDATE audit_events SET action = 'auth.sign_out' WHERE action = 'auth.sign_in'`,
		`DELETE FROM audit_events WHERE action = 'auth.sign_in'`,
		`TRUNCATE audit_events`,
	} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, stmt)
		if pqErr, ok := errors.AsType[*pq.Error](err); !ok || pqErr.Code.Name() != "insufficient_privilege" {
			t.Errorf("%s: %v; want permission denied", stmt, err)
		}
		tx.Rollback() //nolint:errcheck // nothing to keep either way
	}
}

// signInCISO signs the demo CISO in on the Tugi at addr, as a browser's forms on the same
// site would (Sec-Fetch-Site spares them the CSRF token): the password, then a code of the
// demo authenticator. It returns the status of the first answer that is not the way to
// the second step.
func signInCISO(t *testing.T, addr string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	post := func(path string, form url.Values) *http.Response {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := post("/login", url.Values{"email": {"ciso@tugi.example"}, "password": {demo.Password}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), auth.SecondFactorPath) {
		return res.StatusCode
	}
	code, err := auth.TOTPCode(demo.TOTPSecret, auth.TOTPStep(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return post(auth.SecondFactorPath, url.Values{"code": {code}}).StatusCode
}
