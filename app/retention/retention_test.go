package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/blob"
	"tugi/app/database"
	"tugi/app/demo"
	"tugi/app/job"
	"tugi/app/retention"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// world is the demo data with, in each demo organisation, a piece of every kind of data:
// old enough to expire and recent, and an incident closed long ago.
type world struct {
	db      *sqlx.DB
	svc     *retention.Service
	admin   int64
	orgs    [2]int64 // Demo Customer OÜ, Second Customer AS
	people  [2]int64 // their customers
	agent   int64
	of      [2]pieces
	oldInc  int64 // closed 400 days ago (2025), reported by the employee, handled by the agent
	employe int64
}

// pieces are one organisation's data.
type pieces struct {
	oldClosed, newClosed, oldOpen int64 // tickets: closed 400 days ago, 10 days ago, opened 400 days ago and open
	oldFile                       int64 // an attachment of 400 days ago on the open ticket
	oldChat, newChat              int64 // ended 400 and 10 days ago
	oldMail                       int64 // inbound mail received 400 days ago (a reply to the open ticket)
	oldSession                    int64 // the customer's session begun 400 days ago
}

var ctx = context.Background()

func newWorld(t *testing.T) *world {
	t.Helper()
	db := testdb.New(t)
	factors, err := auth.NewFactorKey(bytes.Repeat([]byte{7}, 32)) // a test's key: what it seals is demo data
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, db, auth.NewSessionStore(db, false, time.Hour, time.Hour), factors); err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, svc: retention.New(retention.Options{DB: db, Batch: 2})}
	w.admin = idOf(t, db, `SELECT id FROM users WHERE email = 'admin@tugi.example'`)
	w.agent = idOf(t, db, `SELECT id FROM users WHERE email = 'agent@tugi.example'`)
	w.employe = idOf(t, db, `SELECT id FROM users WHERE email = 'employee@tugi.example'`)
	for i, org := range demo.Organisations {
		w.orgs[i] = idOf(t, db, `SELECT id FROM organisations WHERE name = $1`, org)
		w.people[i] = idOf(t, db, `SELECT min(id) FROM users WHERE org_id = $1`, w.orgs[i])
		w.of[i] = w.fill(t, w.orgs[i], w.people[i])
	}
	// Incidents: one closed in 2025, long ago, and a newer one of 2026 (so the old one's
	// reference is no longer the newest of the newest year).
	w.oldInc = idOf(t, db, `
INSERT INTO incidents (ref_year, ref_number, summary, reporter_id, owner_id, state, reported_at, aware_at, created_at, updated_at, closed_at)
VALUES (2025, (SELECT coalesce(max(ref_number), 0) + 1 FROM incidents WHERE ref_year = 2025), 'Phishing mail', $1, $2, 'closed', now() - interval '500 days', now() - interval '500 days', now() - interval '500 days', now() - interval '400 days', now() - interval '400 days')
RETURNING id`, w.employe, w.agent)
	exec(t, db, `INSERT INTO incident_handlers (incident_id, user_id, named_at) VALUES ($1, $2, now() - interval '500 days')`, w.oldInc, w.agent)
	exec(t, db, `INSERT INTO incident_timeline (incident_id, kind, body, at, author_id) VALUES ($1, 'note', 'Looked into it', now() - interval '450 days', $2)`, w.oldInc, w.agent)
	exec(t, db, `
INSERT INTO incidents (ref_year, ref_number, summary, reporter_id, reported_at, aware_at, created_at, updated_at)
VALUES (2026, (SELECT coalesce(max(ref_number), 0) + 1 FROM incidents WHERE ref_year = 2026), 'Lost laptop', $1, now(), now(), now(), now())`, w.employe)
	return w
}

// fill makes one organisation's pieces.
func (w *world) fill(t *testing.T, org, customer int64) pieces {
	t.Helper()
	var p pieces
	ticket := func(status string, age int) int64 {
		closed := "NULL"
		if status == "closed" {
			closed = fmt.Sprintf("now() - interval '%d days'", age)
		}
		id := idOf(t, w.db, fmt.Sprintf(`
INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, created_at, updated_at, solved_at, closed_at)
VALUES ($1, $2, $2, 'Invoice export fails', (SELECT min(id) FROM categories), 'one_person', 'normal', '%s', 'web',
        now() - interval '%d days' - interval '1 day', now() - interval '%d days', %s, %s)
RETURNING id`, status, age, age, closed, closed), org, customer)
		exec(t, w.db, `INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, created_at)
		               VALUES ($1, $2, $3, false, 'web', 'The export stops after the first page.', now() - interval '1 day' * $4)`, id, org, customer, age)
		return id
	}
	p.oldClosed = ticket("closed", 400)
	p.newClosed = ticket("closed", 10)
	p.oldOpen = ticket("open", 400)
	for _, tk := range []int64{p.oldClosed, p.oldOpen} {
		ref, err := blob.Postgres{}.Put(ctx, w.db, bytes.NewReader([]byte(fmt.Sprintf("screenshot of ticket %d", tk))))
		if err != nil {
			t.Fatal(err)
		}
		id := idOf(t, w.db, `
INSERT INTO ticket_attachments (ticket_id, org_id, message_id, filename, content_type, size, sha256, uploaded_by, created_at)
SELECT $1, $2, (SELECT min(id) FROM ticket_messages WHERE ticket_id = $1), 'screen.png', 'image/png', 20, $3, $4, now() - interval '400 days'
RETURNING id`, tk, org, ref.SHA256, customer)
		if tk == p.oldOpen {
			p.oldFile = id
		}
	}
	chat := func(age int) int64 {
		id := idOf(t, w.db, `
INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at, ended_at, ended_by)
VALUES ($1, $2, $3, 'ended', now() - interval '1 day' * $4 - interval '1 hour', now() - interval '1 day' * $4 - interval '1 hour', now() - interval '1 day' * $4, $2)
RETURNING id`, org, customer, w.agent, age)
		exec(t, w.db, `INSERT INTO chat_messages (chat_id, org_id, author_id, by_staff, body, created_at) VALUES ($1, $2, $3, false, 'Hello?', now() - interval '1 day' * $4)`,
			id, org, customer, age)
		return id
	}
	p.oldChat, p.newChat = chat(400), chat(10)
	raw, err := blob.Postgres{}.Put(ctx, w.db, bytes.NewReader([]byte(fmt.Sprintf("From: c@x\r\nSubject: Re ticket %d\r\n\r\nStill broken.\r\n", p.oldOpen))))
	if err != nil {
		t.Fatal(err)
	}
	p.oldMail = idOf(t, w.db, `
INSERT INTO inbound_mail (message_key, raw_sha256, size, via, mailbox, from_address, state, ticket_id, org_id, sender_id, received_at, processed_at)
VALUES ($1, $2, 40, 'smtp', 'support', 'c@x', 'reply', $3, $4, $5, now() - interval '400 days', now() - interval '400 days')
RETURNING id`, fmt.Sprintf("<%d@x>", p.oldOpen), raw.SHA256, p.oldOpen, org, customer)
	p.oldSession = idOf(t, w.db, `
INSERT INTO sessions (token_hash, user_id, data, created_at, last_seen_at, expires_at)
VALUES (sha256(random()::text::bytea), $1, '', now() - interval '400 days', now(), now() + interval '1 day')
RETURNING id`, customer)
	return p
}

// rules sets every kind's default to a year (the incidents' too), and files' and mail's
// to 30 days.
func (w *world) rules(t *testing.T) {
	t.Helper()
	year, month := 365, 30
	err := w.svc.SetDefaults(ctx, audit.Actor{UserID: w.admin}, map[retention.Kind]*int{
		retention.Tickets: &year, retention.Chats: &year, retention.Incidents: &year,
		retention.Attachments: &month, retention.Mail: &month, retention.Signins: &month})
	if err != nil {
		t.Fatal(err)
	}
}

func idOf(t *testing.T, q sqlx.QueryerContext, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := sqlx.GetContext(ctx, q, &id, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func exec(t *testing.T, db *sqlx.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func exists(t *testing.T, db *sqlx.DB, table string, id int64) bool {
	t.Helper()
	var ok bool
	if err := db.Get(&ok, `SELECT EXISTS (SELECT FROM `+table+` WHERE id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	return ok
}

func rawKept(t *testing.T, db *sqlx.DB, mail int64) bool {
	t.Helper()
	var ok bool
	if err := db.Get(&ok, `SELECT raw_sha256 IS NOT NULL FROM inbound_mail WHERE id = $1`, mail); err != nil {
		t.Fatal(err)
	}
	return ok
}

// gone says which of an organisation's pieces are gone, in a form a failure prints.
func (w *world) gone(t *testing.T, i int) map[string]bool {
	p := w.of[i]
	return map[string]bool{
		"old closed ticket": !exists(t, w.db, "tickets", p.oldClosed),
		"new closed ticket": !exists(t, w.db, "tickets", p.newClosed),
		"old open ticket":   !exists(t, w.db, "tickets", p.oldOpen),
		"old file":          !exists(t, w.db, "ticket_attachments", p.oldFile),
		"old chat":          !exists(t, w.db, "chats", p.oldChat),
		"new chat":          !exists(t, w.db, "chats", p.newChat),
		"old raw mail":      !rawKept(t, w.db, p.oldMail),
		"old session":       !exists(t, w.db, "sessions", p.oldSession),
	}
}

var allOld = map[string]bool{"old closed ticket": true, "new closed ticket": false, "old open ticket": false, "old file": true,
	"old chat": true, "new chat": false, "old raw mail": true, "old session": true}

var nothing = map[string]bool{"old closed ticket": false, "new closed ticket": false, "old open ticket": false, "old file": false,
	"old chat": false, "new chat": false, "old raw mail": false, "old session": false}

// Without rules that delete, nothing goes but Tugi's own copies (raw mail, sessions) by
// their defaults; with them, what expired goes, in every kind, and the rest stays; the
// preview says exactly what the run removes; every removal is audited by its owner, the
// run once with its figures; files' contents then go with blob.collect.
func TestRetentionRemovesWhatExpiredAndNothingElse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	fs, err := w.svc.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w.orgs {
		want := maps(nothing, map[string]bool{"old raw mail": true, "old session": true}) // 90 days by default
		if got := w.gone(t, i); !reflect.DeepEqual(got, want) {
			t.Errorf("by the defaults, org %d: gone %v, want %v", i, got, want)
		}
	}
	if fs.Total(retention.Tickets) != 0 || fs.Total(retention.Mail) != 2 || fs.Total(retention.Signins) != 2 {
		t.Errorf("by the defaults the run removed %+v", fs)
	}

	w.rules(t)
	// The second organisation keeps its tickets for ever.
	if err := w.svc.SetOverride(ctx, audit.Actor{UserID: w.admin}, retention.Tickets, w.orgs[1], nil); err != nil {
		t.Fatal(err)
	}
	preview, err := w.svc.Preview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	if err := w.db.Get(&before, `SELECT count(*) FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	applied, err := w.svc.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(preview, applied) {
		t.Errorf("the preview said %+v, the run removed %+v", preview, applied)
	}
	if got := w.gone(t, 0); !reflect.DeepEqual(got, allOld) {
		t.Errorf("first organisation: gone %v, want %v", got, allOld)
	}
	want := maps(allOld, map[string]bool{"old closed ticket": false})
	if got := w.gone(t, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("second organisation (tickets kept for ever): gone %v, want %v", got, want)
	}
	if exists(t, w.db, "incidents", w.oldInc) {
		t.Error("the incident closed 400 days ago is still there")
	}
	var msgs int
	if err := w.db.Get(&msgs, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, w.of[0].oldClosed); err != nil || msgs != 0 {
		t.Errorf("the removed ticket's messages: %d (%v)", msgs, err)
	}
	if err := w.db.Get(&msgs, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, w.of[0].oldOpen); err != nil || msgs != 1 {
		t.Errorf("the open ticket whose file went keeps its message: %d (%v)", msgs, err)
	}
	var actions []string
	if err := w.db.Select(&actions, `SELECT action || ' ' || object_id FROM audit_events WHERE seq > $1 ORDER BY seq`, before); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("ticket.expired %d", w.of[0].oldClosed),
		fmt.Sprintf("ticket.files_expired %d", w.of[0].oldOpen),
		fmt.Sprintf("chat.expired %d", w.of[0].oldChat),
		fmt.Sprintf("incident.expired %d", w.oldInc),
	} {
		if !contains(actions, want) {
			t.Errorf("no audit event %q among %v", want, actions)
		}
	}
	if n := count(actions, "retention.applied"); n != 1 {
		t.Errorf("%d retention.applied events in the run, want 1", n)
	}
	if contains(actions, fmt.Sprintf("ticket.expired %d", w.of[1].oldClosed)) {
		t.Error("the second organisation's ticket was audited as removed")
	}

	// A second run finds nothing more; the audit log kept everything.
	if again, err := w.svc.Apply(ctx); err != nil || len(again) != 0 {
		t.Errorf("a second run removed %+v (%v)", again, err)
	}
	if _, err := w.db.Exec(`DELETE FROM audit_events WHERE action = 'ticket.expired'`); err == nil {
		t.Error("the audit log let retention's events be deleted")
	}
	// The files nobody names any more are collected.
	got, err := blob.Collect(ctx, w.db, 0)
	if err != nil || got.Blobs < 3 {
		t.Errorf("blob.collect deleted %d contents (%v); want at least the two files and the raw mails", got.Blobs, err)
	}
	runs, err := w.svc.Runs(ctx, 10)
	if err != nil || len(runs) != 3 || !runs[1].OK || runs[1].Figures.Total(retention.Tickets) != 1 {
		t.Errorf("runs %+v (%v)", runs, err)
	}
}

// A hold on an organisation, a person or an incident keeps everything it covers from the
// run, and what it does not cover goes; released, the next run removes it too. The person
// it covers is held for erasure (PersonHeld) while it is in force.
func TestLegalHoldKeepsWhatItCovers(t *testing.T) {
	t.Parallel()
	for _, on := range []string{"organisation", "person", "incident"} {
		t.Run(on, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.rules(t)
			var subject retention.Subject
			var heldPerson int64
			switch on {
			case "organisation":
				subject.OrgID, heldPerson = w.orgs[0], w.people[0]
			case "person":
				subject.UserID, heldPerson = w.people[0], w.people[0]
			case "incident":
				subject.IncidentID, heldPerson = w.oldInc, w.employe
			}
			if held, _, err := (retention.Holds{}).PersonHeld(ctx, w.db, heldPerson); err != nil || held {
				t.Fatalf("held before any hold: %v (%v)", held, err)
			}
			id, err := w.svc.PlaceHold(ctx, audit.Actor{UserID: w.admin}, subject, "Court order 2-26-1234")
			if err != nil {
				t.Fatal(err)
			}
			held, reason, err := (retention.Holds{}).PersonHeld(ctx, w.db, heldPerson)
			if err != nil || !held || reason != "Court order 2-26-1234" {
				t.Errorf("PersonHeld: %v %q (%v)", held, reason, err)
			}
			if held, _, _ := (retention.Holds{}).PersonHeld(ctx, w.db, w.people[1]); held {
				t.Error("the other organisation's customer is held too")
			}
			if on == "incident" {
				if held, _, _ := (retention.Holds{}).PersonHeld(ctx, w.db, w.agent); !held {
					t.Error("the incident's handler is not held")
				}
			}

			preview, err := w.svc.Preview(ctx)
			if err != nil {
				t.Fatal(err)
			}
			applied, err := w.svc.Apply(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(preview, applied) {
				t.Errorf("the preview said %+v, the run removed %+v", preview, applied)
			}
			switch on {
			case "incident":
				if !exists(t, w.db, "incidents", w.oldInc) {
					t.Error("the held incident was removed")
				}
				for i := range w.orgs {
					if got := w.gone(t, i); !reflect.DeepEqual(got, allOld) {
						t.Errorf("org %d, not held: gone %v, want %v", i, got, allOld)
					}
				}
			default:
				if got := w.gone(t, 0); !reflect.DeepEqual(got, nothing) {
					t.Errorf("held: gone %v, want nothing", got)
				}
				if got := w.gone(t, 1); !reflect.DeepEqual(got, allOld) {
					t.Errorf("the other organisation, not held: gone %v, want %v", got, allOld)
				}
				if exists(t, w.db, "incidents", w.oldInc) {
					t.Error("the incident, not held, stayed")
				}
			}

			if err := w.svc.ReleaseHold(ctx, audit.Actor{UserID: w.admin}, id); err != nil {
				t.Fatal(err)
			}
			if err := w.svc.ReleaseHold(ctx, audit.Actor{UserID: w.admin}, id); err != retention.ErrReleased {
				t.Errorf("releasing twice: %v", err)
			}
			if held, _, _ := (retention.Holds{}).PersonHeld(ctx, w.db, heldPerson); held {
				t.Error("still held after the release")
			}
			if _, err := w.svc.Apply(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range w.orgs {
				if got := w.gone(t, i); !reflect.DeepEqual(got, allOld) {
					t.Errorf("after the release, org %d: gone %v, want %v", i, got, allOld)
				}
			}
			if exists(t, w.db, "incidents", w.oldInc) {
				t.Error("after the release the incident stayed")
			}
			var events int
			if err := w.db.Get(&events, `SELECT count(*) FROM audit_events WHERE object_type = 'legal_hold' AND object_id = $1`, fmt.Sprint(id)); err != nil || events != 2 {
				t.Errorf("%d audit events of the hold (placed, released), want 2 (%v)", events, err)
			}
		})
	}
}

// Two processes run the job at once: one run is made, not two.
func TestTheJobRunsOnceWhenTwoProcessesRace(t *testing.T) {
	t.Parallel()
	dsn := testdb.NewDSN(t)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		db, err := database.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := retention.New(retention.Options{DB: db})
		r, err := job.NewRunner(job.Options{DB: db}, job.Job{Name: retention.JobName, Every: 20 * time.Millisecond, OneAtATime: true, Run: svc.Job})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { r.Run(ctx) })
	}
	check, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	// Once one run is recorded, both runners get another 20 passes or so to make a second.
	var runs int
	for deadline := time.Now().Add(10 * time.Second); runs == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no run in 10 s")
		}
		if err := check.Get(&runs, `SELECT count(*) FROM retention_runs`); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(400 * time.Millisecond)
	cancel()
	wg.Wait()
	var events int
	if err := check.Get(&runs, `SELECT count(*) FROM retention_runs`); err != nil || runs != 1 {
		t.Errorf("%d runs (%v), want 1", runs, err)
	}
	if err := check.Get(&events, `SELECT count(*) FROM audit_events WHERE action = 'retention.applied'`); err != nil || events != 1 {
		t.Errorf("%d retention.applied events (%v), want 1", events, err)
	}
}

func maps(base, over map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func contains(list []string, s string) bool { return count(list, s) > 0 }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s || (len(x) > len(s) && x[:len(s)+1] == s+" ") {
			n++
		}
	}
	return n
}
