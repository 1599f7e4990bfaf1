package incident

import (
	"context"
	"errors"
	"testing"

	"tugi/app/access"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestScopeInSQL reads one incident as each kind of person: the CISO and a named handler
// in full, its reporter in part, and an agent, an admin and a customer not at all, the
// customer not even when named on it.
func TestScopeInSQL(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	var org int64
	if err := db.GetContext(ctx, &org, `INSERT INTO organisations (name) VALUES ('Org') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	user := func(email string, roles string, orgID any) int64 {
		var id int64
		if err := db.GetContext(ctx, &id, `INSERT INTO users (email, name, roles, org_id) VALUES ($1, $1, $2::text[], $3) RETURNING id`, email, roles, orgID); err != nil {
			t.Fatal(err)
		}
		return id
	}
	reporter := user("reporter@x.example", "{employee}", nil)
	handler := user("handler@x.example", "{employee,agent}", nil)
	agent := user("agent@x.example", "{employee,agent}", nil)
	ciso := user("ciso@x.example", "{employee,ciso}", nil)
	admin := user("admin@x.example", "{employee,admin}", nil)
	customer := user("customer@x.example", "{customer}", org)
	var id int64
	if err := db.GetContext(ctx, &id, `INSERT INTO incidents (ref_year, ref_number, summary, reporter_id, reported_at, aware_at, created_at, updated_at)
		VALUES (2026, 7, 'Laptop lost', $1, now(), now(), now(), now()) RETURNING id`, reporter); err != nil {
		t.Fatal(err)
	}
	for _, u := range []int64{handler, customer} {
		if _, err := db.ExecContext(ctx, `INSERT INTO incident_handlers (incident_id, user_id, named_at) VALUES ($1, $2, now())`, id, u); err != nil {
			t.Fatal(err)
		}
	}
	viewer := func(id int64, roles ...access.Role) *access.Viewer {
		v := &access.Viewer{UserID: id, Roles: roles}
		if roles[0] == access.Customer {
			v.OrgID = org
		}
		return v
	}
	for _, c := range []struct {
		name string
		v    *access.Viewer
		want Access
	}{
		{"ciso", viewer(ciso, access.Employee, access.CISO), Full},
		{"named handler", viewer(handler, access.Employee, access.Agent), Full},
		{"reporter", viewer(reporter, access.Employee), Reporter},
		{"agent not named", viewer(agent, access.Employee, access.Agent), NoAccess},
		{"admin", viewer(admin, access.Employee, access.Admin), NoAccess},
		{"customer named on it", viewer(customer, access.Customer), NoAccess},
		{"nobody", nil, NoAccess},
	} {
		inc, err := NewStore(db).Get(ctx, ScopeOf(c.v), id)
		switch {
		case c.want == NoAccess && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: got %v, %v; want not found", c.name, inc, err)
		case c.want != NoAccess && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != NoAccess && inc.Access != c.want:
			t.Errorf("%s: access %d, want %d", c.name, inc.Access, c.want)
		case c.want != NoAccess && inc.Reference != "INC-2026-0007":
			t.Errorf("%s: reference %q", c.name, inc.Reference)
		}
	}
}
