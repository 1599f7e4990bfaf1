package audit

import (
	"context"
	"fmt"
	"testing"

	"tugi/app/testdb"
)

// Verifying a long log in segments at once finds exactly what one pass finds, wherever
// the damage is relative to the segments' bounds (here 1-9, 10-19, 20-29, 30-40).
func TestSegmentsFindWhatOnePassFinds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper []string
	}{
		{"intact", nil},
		{"edited at a bound", []string{`UPDATE audit_events SET action = 'x' WHERE seq = 10`}},
		{"edited before a bound", []string{`UPDATE audit_events SET action = 'x' WHERE seq = 19`}},
		{"edited in two segments", []string{`UPDATE audit_events SET action = 'x' WHERE seq IN (25, 12)`}},
		{"edited last", []string{`UPDATE audit_events SET action = 'x' WHERE seq = 40`}},
		{"deleted across a bound", []string{`DELETE FROM audit_events WHERE seq BETWEEN 8 AND 11`}},
		{"a whole segment deleted", []string{`DELETE FROM audit_events WHERE seq BETWEEN 10 AND 19`}},
		{"the start deleted", []string{`DELETE FROM audit_events WHERE seq < 15`}},
		{"deleted before a bound", []string{`DELETE FROM audit_events WHERE seq = 29`}},
		{"rehashed at a bound", []string{`UPDATE audit_events SET object_id = 'y' WHERE seq = 19`,
			`UPDATE audit_events SET hash = sha256(prev_hash || audit_canonical(seq, at, actor_user_id, actor_roles, actor_job,
				client_ip, request_id, action, object_type, object_id, org_id, changes)) WHERE seq = 19`}},
		{"the tail deleted", []string{`DELETE FROM audit_events WHERE seq > 35`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			ctx := context.Background()
			for i := range 40 {
				if err := Record(ctx, db, Job("test"), Event{Action: "test.event", ObjectID: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			stmts := append([]string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`}, tc.tamper...)
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			onePass, err1 := verify(ctx, db, nil, 1, 10)
			segmented, err4 := verify(ctx, db, nil, 4, 10)
			if fmt.Sprint(err1) != fmt.Sprint(err4) || onePass != segmented {
				t.Errorf("one pass: %+v, %v\nfour segments: %+v, %v", onePass, err1, segmented, err4)
			}
			if (err1 == nil) != (tc.tamper == nil) {
				t.Errorf("verify: %v", err1)
			}
		})
	}
}
