// Package audit writes Tugi's audit log: one event per operation, always in the same
// transaction as the change it records, so neither can exist without the other.
//
// The log is append-only and tamper-evident. The database refuses UPDATE, DELETE and
// TRUNCATE on it (a trigger, and for the application's role tugi_app, its privileges), and
// chains the events: each carries seq (1, 2, 3 ... in commit order, without gaps) and
// hash = SHA-256(prev_hash || canonical content), which a trigger computes on INSERT
// (db/migrations/0002_audit_chain.sql; the content is defined by AppendCanonical). Verify
// recomputes the chain from the stored columns, so an event edited, deleted or reordered
// afterwards, even by a superuser, is found; signed checkpoints kept elsewhere expose a
// rewrite of the whole chain.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/database"
)

// Actor is who performed an operation: a person (UserID and Roles) or a job (Job).
type Actor struct {
	UserID    int64
	Roles     []string
	Job       string // the job's or command's name when no person acted, e.g. "cli"
	ClientIP  string
	RequestID string
}

// Job returns the actor for work done by a command or background job.
func Job(name string) Actor { return Actor{Job: name} }

// Change is a field's value before and after an operation.
type Change struct {
	Old any `json:"old,omitempty"`
	New any `json:"new,omitempty"`
}

// Event is one audited operation.
type Event struct {
	Action     string // what happened, "object.verb": "user.create", "auth.sign_in"
	ObjectType string // "user", "organisation", "session", ...
	ObjectID   string
	OrgID      int64 // the customer organisation the object belongs to; 0 for none
	// Changes holds what changed, or details of the operation, by field. Never secrets.
	Changes map[string]Change
}

// Record writes ev by actor through q, which should be the transaction of the change.
//
// The event joins the chain when the transaction commits: the commit locks the chain's
// head, numbers and hashes the event after the last one committed, and lets go of the
// head as soon as its commit is written, so writers of the log wait for one another only
// that long. In a transaction of database.WithTx, the commit is flushed to disk after the
// head is released (see database.FlushAfterCommit), and WithTx returns once it is. Until
// the commit, the event is not in audit_events. q may also be the pool, for an operation
// that changes nothing else (a failed sign-in, a download): the event is then committed
// on its own.
//
// Never pass secrets (passwords, tokens, keys) in ev.Changes. Personal values (a changed
// name or e-mail, a personal code, a message's text) do not belong there in the clear
// either: the log names people by id. When an event must record one, pass it as a
// Personal value: Record stores it encrypted under that person's own data key, so that
// erasing the person destroys the key while the chain, which hashes the ciphertext, still
// verifies (crypto-shredding: personal.go, docs/data-protection.md).
func Record(ctx context.Context, q database.Queryer, actor Actor, ev Event) error {
	changes := []byte("{}")
	if len(ev.Changes) > 0 {
		ch := ev.Changes
		if hasPersonal(ch) {
			var err error
			if ch, err = seal(ctx, q, ch); err != nil {
				return fmt.Errorf("audit: %s: %w", ev.Action, err)
			}
		}
		var err error
		if changes, err = json.Marshal(ch); err != nil {
			return fmt.Errorf("audit: %s: encode changes: %w", ev.Action, err)
		}
	}
	var userID, orgID *int64
	if actor.UserID != 0 {
		userID = &actor.UserID
	}
	if ev.OrgID != 0 {
		orgID = &ev.OrgID
	}
	roles := actor.Roles
	if roles == nil {
		roles = []string{}
	}
	stmt := recordEvent
	if database.FlushAfterCommit(q) {
		stmt = recordEventFlushedAfter
	}
	if _, err := q.ExecContext(ctx, stmt, userID, pq.StringArray(roles), actor.Job, actor.ClientIP,
		actor.RequestID, ev.Action, ev.ObjectType, ev.ObjectID, orgID, changes); err != nil {
		return fmt.Errorf("audit: record %s: %w", ev.Action, err)
	}
	return nil
}
