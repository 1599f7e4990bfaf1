package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/testdb"
)

func TestScopeOf(t *testing.T) {
	for _, tc := range []struct {
		roles []access.Role
		want  audit.Scope
	}{
		{nil, audit.ScopeNone},
		{[]access.Role{access.Customer}, audit.ScopeNone},
		{[]access.Role{access.Employee}, audit.ScopeNone},
		{[]access.Role{access.Employee, access.Agent}, audit.ScopeNone},
		{[]access.Role{access.Employee, access.Admin}, audit.ScopeAdmin},
		{[]access.Role{access.Employee, access.CISO}, audit.ScopeAll},
		{[]access.Role{access.CISO, access.Admin}, audit.ScopeAll},
	} {
		if got := audit.ScopeOf(&access.Viewer{Roles: tc.roles}); got != tc.want {
			t.Errorf("%v: scope %d, want %d", tc.roles, got, tc.want)
		}
	}
	if audit.ScopeOf(nil) != audit.ScopeNone {
		t.Error("nobody signed in may read the log")
	}
}

func TestListScopes(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	for _, ev := range []audit.Event{
		{Action: "auth.sign_in", ObjectType: "user"},
		{Action: "auth.sign_in_failed"},
		{Action: "user.create", ObjectType: "user"},
		{Action: "organisation.create", ObjectType: "organisation"},
		{Action: "settings.calendar", ObjectType: "settings"},
		{Action: "ticket.create", ObjectType: "ticket"},
		{Action: "incident.view", ObjectType: "incident"},
		{Action: "session.revoke", ObjectType: "session"},
		{Action: "audit.export", ObjectType: "audit"},
	} {
		if err := audit.Record(ctx, db, audit.Job("test"), ev); err != nil {
			t.Fatal(err)
		}
	}
	list := func(s audit.Scope) string {
		es, _, err := audit.List(ctx, db, s, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return strings.Join(out, " ")
	}
	if got := list(audit.ScopeAdmin); got != "settings.calendar organisation.create user.create auth.sign_in_failed auth.sign_in" {
		t.Errorf("an admin reads %q", got)
	}
	if got := list(audit.ScopeAll); !strings.HasPrefix(got, "audit.export session.revoke incident.view ticket.create") {
		t.Errorf("the CISO reads %q", got)
	}
	if got := list(audit.ScopeNone); got != "" {
		t.Errorf("others read %q", got)
	}
}

// A time range selects exactly the events at or after From and before To, even to the
// microsecond, and pages within it.
func TestListTimeRange(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	for i := range 6 {
		if err := audit.Record(ctx, db, audit.Job("test"), audit.Event{Action: "test.time", ObjectID: fmt.Sprint(i + 1)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	var at []time.Time
	if err := db.Select(&at, `SELECT at FROM audit_events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	ids := func(f audit.Filter) string {
		es, _, err := audit.List(ctx, db, audit.ScopeAll, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.ObjectID)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    audit.Filter
		want string
	}{
		{audit.Filter{From: at[1], To: at[4]}, "4,3,2"},
		{audit.Filter{From: at[1].Add(time.Microsecond), To: at[4].Add(time.Microsecond)}, "5,4,3"},
		{audit.Filter{From: at[5]}, "6"},
		{audit.Filter{To: at[0]}, ""},
		{audit.Filter{To: at[0].Add(time.Microsecond)}, "1"},
		{audit.Filter{From: at[5].Add(time.Microsecond)}, ""},
		{audit.Filter{From: at[1], To: at[4], Before: 4}, "3,2"},
		{audit.Filter{From: at[1], To: at[4], Limit: 2}, "4,3"},
	} {
		if got := ids(tc.f); got != tc.want {
			t.Errorf("from %s to %s before %d: %q, want %q", tc.f.From.Format(time.StampMicro), tc.f.To.Format(time.StampMicro), tc.f.Before, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	err := audit.Record(ctx, db, audit.Actor{UserID: 9, Roles: []string{"admin"}}, audit.Event{Action: "user.set_roles", ObjectType: "user", ObjectID: "3", OrgID: 2,
		Changes: map[string]audit.Change{"roles": {Old: []string{"agent"}, New: []string{"agent", "ciso"}}, "active": {Old: true, New: false}, "note": {New: "ok"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(ctx, db, audit.Actor{Job: "sla"}, audit.Event{Action: "user.deactivate", ObjectType: "user", ObjectID: "3"}); err != nil {
		t.Fatal(err)
	}
	es, err := audit.History(ctx, db, "user", "3", 10)
	if err != nil || len(es) != 2 {
		t.Fatalf("history: %d, %v", len(es), err)
	}
	if j := es[0]; j.ActorJob != "sla" || j.ActorUserID.Valid || j.Action != "user.deactivate" || j.ObjectType != "user" || j.ObjectID != "3" || j.Seq <= es[1].Seq {
		t.Errorf("the newest event, the job's, reads as %+v", j)
	}
	// Only user.set_roles is labelled: the other is an old event of a feature since removed.
	actions, err := audit.NewActions([]audit.ActionLabel{{Action: "user.set_roles", EN: "Roles changed", ET: "Rollid muudetud"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Describe(ctx, names{}, actions, "et", es); err != nil {
		t.Fatal(err)
	}
	e := es[1]
	var changes []string
	for _, c := range e.Changes {
		changes = append(changes, c.Field+": "+c.Old+" → "+c.New)
	}
	if e.Label != "Rollid muudetud" || e.ActorName != "Person 9" || e.OrgName != "Org 2" || e.At.Location().String() != "Europe/Tallinn" ||
		strings.Join(changes, "; ") != "active: true → false; note:  → ok; roles: agent → agent, ciso" {
		t.Errorf("described as %q by %q in %q at %s: %q", e.Label, e.ActorName, e.OrgName, e.At.Location(), changes)
	}
	if es[0].Label != "user.deactivate" {
		t.Errorf("an action without a label reads %q, not its name", es[0].Label)
	}
}

type names struct{}

func (names) Names(_ context.Context, users, orgs []int64) (map[int64]string, map[int64]string, error) {
	p, o := map[int64]string{}, map[int64]string{}
	for _, id := range users {
		p[id] = fmt.Sprintf("Person %d", id)
	}
	for _, id := range orgs {
		o[id] = fmt.Sprintf("Org %d", id)
	}
	return p, o, nil
}
