package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

// record writes n events by a job, each in its own transaction.
func record(t *testing.T, db *sqlx.DB, n int) {
	t.Helper()
	for i := range n {
		ev := audit.Event{Action: "test.event", ObjectType: "thing", ObjectID: fmt.Sprint(i + 1),
			Changes: map[string]audit.Change{"n": {New: i + 1}}}
		if err := audit.Record(context.Background(), db, audit.Job("test"), ev); err != nil {
			t.Fatal(err)
		}
	}
}

// asSuperuser runs stmts with the append-only trigger disabled, as a database superuser
// can, and enables it again.
func asSuperuser(t *testing.T, db *sqlx.DB, stmts ...string) {
	t.Helper()
	all := append([]string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`}, stmts...)
	all = append(all, `ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`)
	for _, s := range all {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// rehash is SQL that recomputes the hash of the event with seq $n from its stored columns
// and prev_hash, as someone who knows the algorithm would to cover an edit.
const rehash = `UPDATE audit_events SET hash = sha256(prev_hash || audit_canonical(seq, at, actor_user_id,
	actor_roles, actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes)) WHERE seq = %d`

func verify(t *testing.T, db *sqlx.DB, cps ...audit.Checkpoint) (audit.VerifyReport, error) {
	t.Helper()
	return audit.Verify(context.Background(), db, cps)
}

func TestRecordChainsTheEvents(t *testing.T) {
	db := testdb.New(t)
	record(t, db, 3)
	var rows []struct {
		Seq  int64  `db:"seq"`
		Prev []byte `db:"prev_hash"`
		Hash []byte `db:"hash"`
	}
	if err := db.Select(&rows, `SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d events", len(rows))
	}
	for i, r := range rows {
		if r.Seq != int64(i+1) {
			t.Errorf("event %d has seq %d", i, r.Seq)
		}
		want := make([]byte, 32)
		if i > 0 {
			want = rows[i-1].Hash
		}
		if !bytes.Equal(r.Prev, want) {
			t.Errorf("seq %d: prev_hash %x, want %x", r.Seq, r.Prev, want)
		}
	}
	rep, err := verify(t, db)
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.CurrentHead(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 3 || rep.Head.Seq != 3 || head.Seq != 3 || !bytes.Equal(head.Hash[:], rows[2].Hash) || rep.Head.Hash != head.Hash {
		t.Errorf("verified %d events, head %d %s; the table's head %d %s", rep.Events, rep.Head.Seq, rep.Head.Hash, head.Seq, head.Hash)
	}
}

// The application cannot choose an event's place, hash or time: the trigger sets them.
func TestAnInsertCannotForgeItsPlace(t *testing.T) {
	db := testdb.New(t)
	record(t, db, 1)
	_, err := db.Exec(`INSERT INTO audit_events (seq, prev_hash, hash, at, actor_job, action)
		VALUES (100, '\x00', '\x00', '2000-01-01', 'forger', 'test.forged')`)
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	var year int
	if err := db.QueryRow(`SELECT seq, extract(year FROM at) FROM audit_events WHERE action = 'test.forged'`).Scan(&seq, &year); err != nil {
		t.Fatal(err)
	}
	if seq != 2 || year == 2000 {
		t.Errorf("the forged event got seq %d, year %d; want seq 2 and the time of the append", seq, year)
	}
	if _, err := verify(t, db); err != nil {
		t.Error(err)
	}
}

// The canonical content computed in Go (verify) and in SQL (the append trigger) agree byte
// for byte, for values that are easy to get wrong.
func TestCanonicalContentAgreesWithSQL(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	events := []struct {
		actor audit.Actor
		ev    audit.Event
	}{
		{audit.Job("cli"), audit.Event{Action: "test.plain"}},
		{audit.Actor{UserID: 7, Roles: []string{"employee", "admin"}, ClientIP: "2001:db8::1", RequestID: "req-ü"},
			audit.Event{Action: "test.unicode", ObjectType: "user", ObjectID: "7", OrgID: 3,
				Changes: map[string]audit.Change{"name": {Old: "Mari Maasikas", New: "Märt Õun 🍏 中文"}}}},
		{audit.Actor{UserID: 1, Roles: []string{}}, audit.Event{Action: "test.empty_roles", ObjectID: ""}},
		{audit.Actor{UserID: 2, Roles: []string{"a,b", `quote"d`, `back\slash`, "NULL", "", "with space", "{}"}},
			audit.Event{Action: "test.odd_roles"}},
		{audit.Job("line\nbreak\ttab"), audit.Event{Action: "test.control", ObjectType: "x\x01y",
			Changes: map[string]audit.Change{"text": {New: "a\u0001b\"c\\d\u2028e\u007f"}}}},
		{audit.Job("numbers"), audit.Event{Action: "test.numbers", Changes: map[string]audit.Change{
			"big": {Old: int64(9007199254740993), New: 1.5}, "zero": {New: 0}, "list": {New: []any{1, "two", nil, true}},
			"nested": {New: map[string]any{"bb": 1, "a": []int{}}}, "kõik": {New: "ä"}}}},
		{audit.Job("x"), audit.Event{Action: strings.Repeat("long.", 300)}},
	}
	for _, e := range events {
		if err := audit.Record(ctx, db, e.actor, e.ev); err != nil {
			t.Fatalf("%s: %v", e.ev.Action, err)
		}
	}
	rows, err := db.Query(`SELECT seq, (extract(epoch FROM at) * 1000000)::bigint, actor_user_id, actor_roles::text,
		actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes::text,
		audit_canonical(seq, at, actor_user_id, actor_roles, actor_job, client_ip, request_id, action,
			object_type, object_id, org_id, changes), prev_hash, hash
		FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var f audit.Fields
		var roles, job, ip, rid, action, otype, oid, changes string
		var sqlCanonical, prev, hash []byte
		if err := rows.Scan(&f.Seq, &f.AtMicros, &f.ActorUserID, &roles, &job, &ip, &rid, &action, &otype, &oid, &f.OrgID,
			&changes, &sqlCanonical, &prev, &hash); err != nil {
			t.Fatal(err)
		}
		f.ActorRoles, f.ActorJob, f.ClientIP, f.RequestID = []byte(roles), []byte(job), []byte(ip), []byte(rid)
		f.Action, f.ObjectType, f.ObjectID, f.Changes = []byte(action), []byte(otype), []byte(oid), []byte(changes)
		goCanonical := audit.AppendCanonical(nil, &f)
		if !bytes.Equal(goCanonical, sqlCanonical) {
			t.Errorf("seq %d (%s): Go and SQL disagree\nGo:  %q\nSQL: %q", f.Seq, action[:min(len(action), 20)], goCanonical, sqlCanonical)
		}
		var p audit.Hash
		copy(p[:], prev)
		if h := audit.ChainHash(p, goCanonical); !bytes.Equal(h[:], hash) {
			t.Errorf("seq %d: the stored hash is not SHA-256(prev_hash || canonical content)", f.Seq)
		}
		n++
	}
	if n != len(events) {
		t.Fatalf("%d events read, want %d", n, len(events))
	}
	if _, err := verify(t, db); err != nil {
		t.Error(err)
	}
}

// The canonical format, pinned: changing it breaks every chain already written.
func TestCanonicalFormat(t *testing.T) {
	f := audit.Fields{Seq: 12, AtMicros: 1764064800123456, ActorUserID: sql.NullInt64{Int64: 7, Valid: true},
		ActorRoles: []byte("{employee,admin}"), ActorJob: []byte{}, ClientIP: []byte("192.0.2.1"),
		RequestID: []byte("r1"), Action: []byte("user.create"), ObjectType: []byte("user"), ObjectID: []byte("8"),
		Changes: []byte(`{"name": {"new": "Õ"}}`)}
	want := "tugi-audit-v1\n2:12\n16:1764064800123456\n1:7\n16:{employee,admin}\n0:\n9:192.0.2.1\n2:r1\n11:user.create\n4:user\n1:8\n-\n23:{\"name\": {\"new\": \"Õ\"}}\n"
	if got := string(audit.AppendCanonical(nil, &f)); got != want {
		t.Errorf("canonical content\n got %q\nwant %q", got, want)
	}
	f.ActorJob = nil // NULL, which no stored event has, is not the empty text
	if got := string(audit.AppendCanonical(nil, &f)); !strings.Contains(got, "{employee,admin}\n-\n9:") {
		t.Errorf("a NULL text field: %q", got)
	}
}

// Concurrent writers still form one unbroken chain in commit order, and transactions
// that roll back after recording leave no gap.
func TestConcurrentWritersFormOneChain(t *testing.T) {
	db := testdb.New(t)
	db.SetMaxOpenConns(20)
	ctx := context.Background()
	const writers, perWriter = 16, 500
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	rolledBack := errors.New("rolled back on purpose")
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				write := func(abort bool) error {
					return database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
						err := audit.Record(ctx, tx, audit.Actor{UserID: int64(w + 1), Roles: []string{"agent"}},
							audit.Event{Action: "test.write", ObjectType: "writer", ObjectID: fmt.Sprint(w), OrgID: int64(i + 1)})
						if err == nil && abort {
							return rolledBack
						}
						return err
					})
				}
				// Now and then a change that fails after recording its event.
				if (w+i)%7 == 0 {
					if err := write(true); !errors.Is(err, rolledBack) {
						errs <- fmt.Errorf("a failing change: %v", err)
						return
					}
				}
				if err := write(false); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep, err := verify(t, db)
	if err != nil {
		t.Fatal(err)
	}
	var count, minSeq, maxSeq int64
	if err := db.QueryRow(`SELECT count(*), min(seq), max(seq) FROM audit_events`).Scan(&count, &minSeq, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if rep.Events != writers*perWriter || count != writers*perWriter || minSeq != 1 || maxSeq != writers*perWriter || rep.Head.Seq != maxSeq {
		t.Errorf("verified %d events; the log has %d, seq %d to %d; want %d, 1 to %d", rep.Events, count, minSeq, maxSeq,
			writers*perWriter, writers*perWriter)
	}
	var outOfOrder int
	if err := db.Get(&outOfOrder, `SELECT count(*) FROM (SELECT at < lag(at) OVER (ORDER BY seq) AS back FROM audit_events) x WHERE back`); err != nil {
		t.Fatal(err)
	}
	if outOfOrder != 0 {
		t.Errorf("%d events are timed before the event before them", outOfOrder)
	}
}

// Someone with the database's superuser rights changes the log behind Tugi's back: verify
// names the first event that no longer matches.
func TestVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  []string
		seq     int64  // the event named; 0: a problem at the chain's end
		reason  string // in the error
		headSeq int64  // verified up to here
	}{
		{"edited action", []string{`UPDATE audit_events SET action = 'test.nothing_happened' WHERE seq = 3`},
			3, "content does not match its hash", 2},
		{"edited changes", []string{`UPDATE audit_events SET changes = '{"n": {"new": 99}}' WHERE seq = 4`},
			4, "content does not match its hash", 3},
		{"edited time", []string{`UPDATE audit_events SET at = at - interval '1 day' WHERE seq = 5`},
			5, "content does not match its hash", 4},
		{"edited and rehashed", []string{`UPDATE audit_events SET object_id = 'other' WHERE seq = 3`, fmt.Sprintf(rehash, 3)},
			4, "prev_hash is not the hash of event seq 3", 3},
		{"deleted", []string{`DELETE FROM audit_events WHERE seq = 3`}, 4, "event seq 3 is missing", 2},
		{"several deleted", []string{`DELETE FROM audit_events WHERE seq IN (2, 3, 4)`}, 5, "events seq 2 to 4 are missing", 1},
		{"first deleted", []string{`DELETE FROM audit_events WHERE seq = 1`}, 2, "event seq 1 is missing", 0},
		{"renumbered after a deletion", []string{`DELETE FROM audit_events WHERE seq = 3`,
			`UPDATE audit_events SET seq = 1 - seq WHERE seq > 3`, `UPDATE audit_events SET seq = -seq WHERE seq < 0`},
			3, "prev_hash is not the hash of event seq 2", 2},
		{"reordered", []string{`UPDATE audit_events SET seq = -seq WHERE seq IN (3, 4)`,
			`UPDATE audit_events SET seq = CASE seq WHEN -3 THEN 4 ELSE 3 END WHERE seq IN (-3, -4)`}, 3, "prev_hash is not the hash of event seq 2", 2},
		{"last deleted", []string{`DELETE FROM audit_events WHERE seq = 6`}, 0, "the events after seq 5 were deleted", 5},
		{"head moved", []string{`UPDATE audit_head SET hash = sha256(hash)`}, 0, "is not its last event", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			record(t, db, 6)
			if _, err := verify(t, db); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			asSuperuser(t, db, tc.tamper...)
			rep, err := verify(t, db)
			if !errors.Is(err, audit.ErrBroken) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("verify after tampering: %v, want it broken with %q", err, tc.reason)
			}
			var me *audit.MismatchError
			switch {
			case tc.seq != 0 && (!errors.As(err, &me) || me.Seq != tc.seq):
				t.Errorf("verify named %v, want event seq %d", err, tc.seq)
			case tc.seq != 0 && !strings.HasPrefix(me.Error(), fmt.Sprintf("event seq %d (id ", tc.seq)):
				t.Errorf("message %q", me.Error())
			case tc.seq == 0 && errors.As(err, &me):
				t.Errorf("verify named an event (%v), want a problem at the end", err)
			}
			if rep.Head.Seq != tc.headSeq {
				t.Errorf("verified up to seq %d, want %d", rep.Head.Seq, tc.headSeq)
			}
		})
	}
}

// A checkpoint signed earlier exposes a rewrite of the whole chain after it, which the
// chain alone cannot.
func TestCheckpoints(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	record(t, db, 4)
	key, _, err := audit.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.CurrentHead(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := audit.ParseCheckpoint([]byte(audit.NewCheckpoint(key, head, head.At).Text()))
	if err != nil {
		t.Fatalf("a checkpoint as written does not parse: %v", err)
	}
	if cp.Seq != 4 || cp.Hash != head.Hash {
		t.Errorf("checkpoint of seq %d hash %s, want 4 %s", cp.Seq, cp.Hash, head.Hash)
	}
	record(t, db, 2)
	if _, err := verify(t, db, cp); err != nil {
		t.Fatalf("the log grew after the checkpoint: %v", err)
	}

	// Rewrite history from seq 3 on, recomputing every hash: the chain verifies on its own.
	stmts := []string{`UPDATE audit_events SET action = 'test.rewritten' WHERE seq = 3`}
	for seq := 3; seq <= 6; seq++ {
		if seq > 3 {
			stmts = append(stmts, fmt.Sprintf(`UPDATE audit_events SET prev_hash = (SELECT hash FROM audit_events WHERE seq = %d) WHERE seq = %d`, seq-1, seq))
		}
		stmts = append(stmts, fmt.Sprintf(rehash, seq))
	}
	stmts = append(stmts, `UPDATE audit_head SET hash = (SELECT hash FROM audit_events WHERE seq = 6)`)
	asSuperuser(t, db, stmts...)
	if _, err := verify(t, db); err != nil {
		t.Fatalf("a consistent rewrite should pass without checkpoints: %v", err)
	}
	_, err = verify(t, db, cp)
	var me *audit.MismatchError
	if !errors.As(err, &me) || me.Seq != 4 || !strings.Contains(err.Error(), "the log was rewritten") {
		t.Errorf("with the checkpoint: %v, want event seq 4 named as rewritten", err)
	}

	// A checkpoint past the end: events were deleted and the head moved back.
	asSuperuser(t, db, `DELETE FROM audit_events WHERE seq > 2`,
		`UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)`)
	if _, err := verify(t, db, cp); err == nil || !strings.Contains(err.Error(), "names seq 4, but the log ends at seq 2") {
		t.Errorf("a checkpoint beyond the end: %v", err)
	}
}

func TestCheckpointText(t *testing.T) {
	key, pemText, err := audit.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := audit.ParseSigningKey(pemText); err != nil || !back.Equal(key) {
		t.Fatalf("the PEM key does not read back: %v", err)
	}
	text := audit.NewCheckpoint(key, audit.Head{Seq: 42, Hash: audit.Hash{1, 2, 3}}, mustTime(t, "2026-11-25T10:00:00+02:00")).Text()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 6 || lines[1] != "seq: 42" || lines[2] != "hash: 0102030000000000000000000000000000000000000000000000000000000000" ||
		lines[3] != "time: 2026-11-25T08:00:00Z" || !strings.HasPrefix(lines[4], "public-key: ") || !strings.HasPrefix(lines[5], "signature: ") {
		t.Errorf("checkpoint text:\n%s", text)
	}
	other, _, _ := audit.GenerateSigningKey()
	forged := audit.NewCheckpoint(other, audit.Head{Seq: 42, Hash: audit.Hash{1, 2, 3}}, mustTime(t, "2026-11-25T10:00:00+02:00")).Text()
	for name, bad := range map[string]string{
		"another seq":        strings.Replace(text, "seq: 42", "seq: 43", 1),
		"another hash":       strings.Replace(text, "hash: 0102", "hash: 0103", 1),
		"another time":       strings.Replace(text, "08:00:00Z", "09:00:00Z", 1),
		"another key":        strings.Replace(text, lines[4], strings.Split(forged, "\n")[4], 1),
		"no signature":       strings.Join(lines[:5], "\n"),
		"not a checkpoint":   "hello",
		"a leading zero":     strings.Replace(text, "seq: 42", "seq: 042", 1),
		"the time elsewhere": strings.Replace(text, "2026-11-25T08:00:00Z", "2026-11-25T10:00:00+02:00", 1),
	} {
		if _, err := audit.ParseCheckpoint([]byte(bad)); err == nil {
			t.Errorf("%s: a tampered checkpoint was accepted", name)
		}
	}
	if _, err := audit.ParseCheckpoint([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		t.Errorf("with CRLF line ends: %v", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// While a long transaction keeps the head's old versions alive, audit_head grows by a
// page every hundred appends; an append still reads only the head's row, by its key.
func TestAppendFindsTheHeadByItsKey(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	backup, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Rollback() //nolint:errcheck // read-only
	var n int
	if err := backup.Get(&n, `SELECT count(*) FROM audit_events`); err != nil { // takes the snapshot
		t.Fatal(err)
	}
	record(t, db, 1500)
	if _, err := db.Exec(`ANALYZE audit_head`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.Get(&pages, `SELECT pg_relation_size('audit_head') / current_setting('block_size')::int`); err != nil || pages < 10 {
		t.Fatalf("audit_head has %d pages (%v); the test needs it grown", pages, err)
	}
	var scans struct {
		Seq   int64 `db:"seq_scan"`
		Index int64 `db:"idx_scan"`
	}
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := audit.Record(ctx, tx, audit.Job("test"), audit.Event{Action: "test.event", ObjectType: "thing"}); err != nil {
			return err
		}
		return tx.Get(&scans, `SELECT seq_scan, coalesce(idx_scan, 0) AS idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'audit_head'`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if scans.Seq != 0 || scans.Index == 0 {
		t.Errorf("an append read audit_head (%d pages) by %d sequential and %d index scans, want by its key alone", pages, scans.Seq, scans.Index)
	}
}

// An event joins the chain when its transaction commits: not before, not if it rolls
// back, and after the events of transactions that committed first, even ones that
// recorded theirs later.
func TestEventJoinsTheChainAtCommit(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	count := func(table string) int {
		t.Helper()
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ev := func(action string) audit.Event { return audit.Event{Action: action, ObjectType: "thing"} }

	early, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(ctx, early, audit.Job("test"), ev("test.recorded_first")); err != nil {
		t.Fatal(err)
	}
	if n := count("audit_events"); n != 0 {
		t.Errorf("%d events in the log before the commit, want none", n)
	}
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		return audit.Record(ctx, tx, audit.Job("test"), ev("test.committed_first"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := early.Commit(); err != nil {
		t.Fatal(err)
	}
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := audit.Record(ctx, tx, audit.Job("test"), ev("test.rolled_back")); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the transaction did not roll back")
	}

	var actions []string
	if err := db.Select(&actions, `SELECT action FROM audit_events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions, " "); got != "test.committed_first test.recorded_first" {
		t.Errorf("the log holds %s, want test.committed_first test.recorded_first", got)
	}
	if n := count("audit_pending"); n != 0 {
		t.Errorf("%d events left pending", n)
	}
	if _, err := verify(t, db); err != nil {
		t.Error(err)
	}
}
