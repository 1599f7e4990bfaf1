// Package audit writes Tugi's audit log: one event per operation, always in the same
// transaction as the change it records, so neither can exist without the other. The table
// refuses UPDATE, DELETE and TRUNCATE (see db/migrations).
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

const insertEvent = `
INSERT INTO audit_events
    (actor_user_id, actor_roles, actor_job, client_ip, request_id, action, object_type, object_id, org_id, changes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// Record writes ev by actor through q, which should be the transaction of the change.
func Record(ctx context.Context, q database.Queryer, actor Actor, ev Event) error {
	changes := []byte("{}")
	if len(ev.Changes) > 0 {
		var err error
		if changes, err = json.Marshal(ev.Changes); err != nil {
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
	if _, err := q.ExecContext(ctx, insertEvent, userID, pq.StringArray(roles), actor.Job, actor.ClientIP,
		actor.RequestID, ev.Action, ev.ObjectType, ev.ObjectID, orgID, changes); err != nil {
		return fmt.Errorf("audit: record %s: %w", ev.Action, err)
	}
	return nil
}
