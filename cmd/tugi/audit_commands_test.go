package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/testdb"
)

// tamper runs stmts as the database's superuser would, with the audit log's append-only
// trigger switched off.
func tamper(t *testing.T, db *sqlx.DB, stmts ...string) {
	t.Helper()
	stmts = append(append([]string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`}, stmts...),
		`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

var verified = regexp.MustCompile(`^verified (\d+) events; head seq (\d+) hash ([0-9a-f]{64})\n`)

func TestAuditVerify(t *testing.T) {
	db := freshDatabase(t)
	if _, stderr, err := run(t, "", "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	events := countRows(t, db, `SELECT count(*) FROM audit_events`)
	stdout, stderr, err := run(t, "", "audit", "verify")
	if err != nil {
		t.Fatalf("audit verify: %v\n%s", err, stderr)
	}
	m := verified.FindStringSubmatch(stdout)
	var head string
	db.Get(&head, `SELECT encode(hash, 'hex') FROM audit_head`)
	if m == nil || m[1] != m[2] || m[1] != itoa(events) || m[3] != head {
		t.Errorf("audit verify printed %q; want %d events and head hash %s", stdout, events, head)
	}

	// Someone with the database superuser's rights edits the third event.
	var id int64
	db.Get(&id, `SELECT id FROM audit_events WHERE seq = 3`)
	tamper(t, db, `UPDATE audit_events SET actor_job = 'nobody' WHERE seq = 3`)
	stdout, _, err = run(t, "", "audit", "verify")
	want := "event seq 3 (id " + itoa(id) + ") does not match: its content does not match its hash"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("audit verify after an edit: %v, want an error with %q", err, want)
	}
	if !strings.Contains(stdout, "the chain holds up to seq 2 (2 events checked)") {
		t.Errorf("audit verify after an edit printed %q", stdout)
	}
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func TestAuditCheckpoints(t *testing.T) {
	db := freshDatabase(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "audit-key.pem")

	stdout, stderr, err := run(t, "", "audit", "keygen", "--out", keyFile)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`public key: [A-Za-z0-9+/]{43}=\n$`).MatchString(stdout) {
		t.Errorf("keygen printed %q", stdout)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	before, _ := os.ReadFile(keyFile)
	if _, _, err := run(t, "", "audit", "keygen", "--out", keyFile); err == nil {
		t.Error("keygen overwrote an existing key")
	}
	if after, _ := os.ReadFile(keyFile); string(after) != string(before) {
		t.Error("the existing key changed")
	}

	if _, _, err := run(t, "", "audit", "checkpoint"); err == nil || !strings.Contains(err.Error(), "TUGI_AUDIT_SIGNING_KEY") {
		t.Errorf("checkpoint without a key: %v", err)
	}
	t.Setenv("TUGI_AUDIT_SIGNING_KEY", keyFile)
	if _, stderr, err := run(t, "", "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	stdout, stderr, err = run(t, "", "audit", "checkpoint")
	if err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, stderr)
	}
	var headSeq int64
	var headHash string
	db.QueryRow(`SELECT seq, encode(hash, 'hex') FROM audit_head`).Scan(&headSeq, &headHash)
	if !strings.HasPrefix(stdout, "Tugi audit checkpoint\nseq: "+itoa(headSeq)+"\nhash: "+headHash+"\ntime: ") {
		t.Errorf("checkpoint printed %q; want seq %d hash %s", stdout, headSeq, headHash)
	}
	cpFile := filepath.Join(dir, "checkpoint-1.txt")
	os.WriteFile(cpFile, []byte(stdout), 0o644)

	// The log grows: the checkpoint still holds.
	if _, _, err := run(t, "", "user", "add", "--email", "new@tugi.example", "--name", "New", "--role", "employee", "--password", "long enough password"); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err = run(t, "", "audit", "verify", "--checkpoint", cpFile)
	if err != nil || !strings.Contains(stdout, "checkpoint "+cpFile+": seq "+itoa(headSeq)) || !strings.Contains(stdout, "the log still extends it") ||
		!verified.MatchString(stdout[strings.LastIndex(strings.TrimSpace(stdout), "\n")+1:]) {
		t.Errorf("verify with the checkpoint: %v\n%s%s", err, stdout, stderr)
	}

	// A checkpoint altered, or signed by another key, is refused before anything is read.
	text, _ := os.ReadFile(cpFile)
	altered := filepath.Join(dir, "altered.txt")
	os.WriteFile(altered, []byte(strings.Replace(string(text), "seq: "+itoa(headSeq), "seq: "+itoa(headSeq-1), 1)), 0o644)
	if _, _, err := run(t, "", "audit", "verify", "--checkpoint", altered); err == nil || !strings.Contains(err.Error(), "signature does not match") {
		t.Errorf("an altered checkpoint: %v", err)
	}
	otherKey := filepath.Join(dir, "other.pem")
	run(t, "", "audit", "keygen", "--out", otherKey)
	t.Setenv("TUGI_AUDIT_SIGNING_KEY", otherKey)
	if _, _, err := run(t, "", "audit", "verify", "--checkpoint", cpFile); err == nil || !strings.Contains(err.Error(), "not by the one in TUGI_AUDIT_SIGNING_KEY") {
		t.Errorf("a checkpoint by another key: %v", err)
	}
	t.Setenv("TUGI_AUDIT_SIGNING_KEY", keyFile)

	// The whole chain rewritten from event 2 on, every hash recomputed: only the
	// checkpoint exposes it.
	stmts := []string{`UPDATE audit_events SET actor_job = 'someone else' WHERE seq = 2`}
	for seq := int64(2); seq <= headSeq+1; seq++ {
		if seq > 2 {
			stmts = append(stmts, `UPDATE audit_events SET prev_hash = (SELECT hash FROM audit_events WHERE seq = `+itoa(seq-1)+`) WHERE seq = `+itoa(seq))
		}
		stmts = append(stmts, `UPDATE audit_events SET hash = sha256(prev_hash || audit_canonical(seq, at, actor_user_id, actor_roles,
			actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes)) WHERE seq = `+itoa(seq))
	}
	stmts = append(stmts, `UPDATE audit_head SET hash = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1)`)
	tamper(t, db, stmts...)
	if _, _, err := run(t, "", "audit", "verify"); err != nil {
		t.Fatalf("the rewritten chain should verify on its own: %v", err)
	}
	_, _, err = run(t, "", "audit", "verify", "--checkpoint", cpFile)
	if err == nil || !strings.Contains(err.Error(), "event seq "+itoa(headSeq)+" (id ") || !strings.Contains(err.Error(), "the log was rewritten") {
		t.Errorf("verify with the checkpoint after a rewrite: %v", err)
	}
}

// With TUGI_MIGRATE=false, Tugi does not touch the schema: it refuses to start while a
// migration is pending, saying what to do, and starts once the owner has migrated.
func TestMigrateFalse(t *testing.T) {
	db := freshDatabase(t)
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TUGI_MIGRATE", "false")
	for _, args := range [][]string{{"serve"}, {"demo"}, {"audit", "verify"}} {
		_, _, err := run(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "0001_foundation.sql") || !strings.Contains(err.Error(), "run tugi migrate as the database's owner") {
			t.Errorf("tugi %v on an empty database with TUGI_MIGRATE=false: %v", args, err)
		}
	}
	var tables int
	db.Get(&tables, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`)
	if tables != 0 {
		t.Errorf("TUGI_MIGRATE=false created %d tables", tables)
	}
	if _, stderr, err := run(t, "", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "", "demo"); err != nil {
		t.Errorf("demo after migrating: %v\n%s", err, stderr)
	}
}

// Tugi runs as a login role in the group tugi_app, which may not change the schema or the
// audit log: it serves, signs people in and audits it, and logs the chain's head.
func TestServeAsTheAppRole(t *testing.T) {
	owner := freshDatabase(t)
	if _, stderr, err := run(t, "", "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	t.Setenv("DATABASE_URL", testdb.AppRoleDSN(t, os.Getenv("DATABASE_URL")))
	t.Setenv("TUGI_MIGRATE", "false")
	addr, stop, stdout := serveHere(t)

	// The head as it was when logged: the background jobs (the SLA job telling the demo
	// tickets' breaches) may have appended events since.
	headLine := regexp.MustCompile(`msg="audit head" seq=(\d+) hash=([0-9a-f]{64})`)
	var logged []string
	for deadline := time.Now().Add(10 * time.Second); logged == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		logged = headLine.FindStringSubmatch(stdout.String())
	}
	if logged == nil {
		t.Fatalf("serve did not log the chain's head:\n%s", stdout.String())
	}
	var hash string
	owner.QueryRow(`SELECT encode(hash, 'hex') FROM audit_events WHERE seq = $1`, logged[1]).Scan(&hash)
	if hash != logged[2] {
		t.Errorf("serve logged the head seq %s hash %s; the log's event seq %s has hash %q", logged[1], logged[2], logged[1], hash)
	}
	if status := signInCISO(t, addr); status != http.StatusSeeOther {
		t.Fatalf("sign-in through Tugi running as the app role: %d\n%s", status, stdout.String())
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	var signIns int
	owner.Get(&signIns, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in' AND seq > $1`, logged[1])
	if signIns != 1 {
		t.Errorf("%d sign-in events after the logged head, want 1, chained after it", signIns)
	}
	if _, stderr, err := run(t, "", "audit", "verify"); err != nil {
		t.Errorf("verify after serving as the app role: %v\n%s", err, stderr)
	}
}
