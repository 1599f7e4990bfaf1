package user_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/user"
)

// nobody is an actor the audit log refuses (it needs a user or a job), so every
// operation by it must fail at its audit insert, after its change was made.
var nobody = audit.Actor{}

// failingRevoker ends the sessions and then fails, as a broken session store would.
type failingRevoker struct{}

var errRevoke = errors.New("revoke failed")

func (failingRevoker) RevokeUser(ctx context.Context, q database.Queryer, userID int64) (int64, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return 0, err
	}
	return 0, errRevoke
}

func rolesOf(t *testing.T, db *sqlx.DB, id int64) string {
	t.Helper()
	var roles string
	if err := db.Get(&roles, `SELECT array_to_string(roles, ',') || CASE WHEN active THEN '' ELSE ' (inactive)' END FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return roles
}

func TestServiceFailureWritesNothing(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	svc := user.NewService(app.DB, app.Server.Sessions)
	job := audit.Job("test")
	eva := userID(t, app.DB, "employee@tugi.example")
	demoOrg, err := user.NewStore(app.DB).OrganisationByName(ctx, "DEMO customer oü")
	if err != nil {
		t.Fatal(err)
	}
	missing := int64(999999)
	newUser := user.NewUser{Email: "new@tugi.example", Name: "New", Roles: user.RoleList{access.Employee}}

	for _, tc := range []struct {
		name string
		op   func() error
		want error // nil: any error
	}{
		{"create, audit fails", func() error { _, err := svc.Create(ctx, nobody, newUser); return err }, nil},
		{"create, e-mail taken in another case", func() error {
			nu := newUser
			nu.Email = "Employee@TUGI.example"
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrEmailTaken},
		{"create, no such organisation", func() error {
			nu := newUser
			nu.Roles, nu.OrgID = user.RoleList{access.Customer}, &missing
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrNoSuchOrg},
		{"create, no roles", func() error {
			nu := newUser
			nu.Roles = nil
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrNoRoles},
		{"create, unknown role", func() error {
			nu := newUser
			nu.Roles = user.RoleList{"root"}
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrUnknownRole},
		{"create, customer and agent", func() error {
			nu := newUser
			nu.Roles, nu.OrgID = user.RoleList{access.Customer, access.Agent}, &demoOrg.ID
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrCustomerAlone},
		{"create, customer without organisation", func() error {
			nu := newUser
			nu.Roles = user.RoleList{access.Customer}
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrCustomerNeedOrg},
		{"create, staff in an organisation", func() error {
			nu := newUser
			nu.OrgID = &demoOrg.ID
			_, err := svc.Create(ctx, job, nu)
			return err
		}, user.ErrStaffHaveNoOrg},
		{"set roles, audit fails", func() error {
			_, err := svc.SetRoles(ctx, nobody, eva, user.RoleList{access.Employee, access.Admin}, nil)
			return err
		}, nil},
		{"set roles, no such organisation", func() error {
			_, err := svc.SetRoles(ctx, job, eva, user.RoleList{access.Customer}, &missing)
			return err
		}, user.ErrNoSuchOrg},
		{"set roles, no such user", func() error {
			_, err := svc.SetRoles(ctx, job, missing, user.RoleList{access.Employee}, nil)
			return err
		}, user.ErrNotFound},
		{"deactivate, audit fails", func() error { return svc.SetActive(ctx, nobody, eva, false) }, nil},
		{"deactivate, ending the sessions fails", func() error {
			return user.NewService(app.DB, failingRevoker{}).SetActive(ctx, job, eva, false)
		}, errRevoke},
		{"create organisation, audit fails", func() error {
			_, err := svc.CreateOrganisation(ctx, nobody, "Neljas OÜ")
			return err
		}, nil},
		{"create organisation, name taken in another case", func() error {
			_, err := svc.CreateOrganisation(ctx, job, "SECOND customer as")
			return err
		}, user.ErrOrgNameTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Eva is signed in, so a deactivation has a session to end.
			app.SignIn(t, "employee@tugi.example")
			before := take(t, app.DB)
			sessions := count(t, app.DB, `SELECT count(*) FROM sessions WHERE user_id = $1`, eva)
			err := tc.op()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			before.check(t, app.DB)
			if got := rolesOf(t, app.DB, eva); got != "employee" {
				t.Errorf("Eva is now %q, want employee and active", got)
			}
			if n := count(t, app.DB, `SELECT count(*) FROM sessions WHERE user_id = $1`, eva); n != sessions {
				t.Errorf("Eva has %d sessions, had %d", n, sessions)
			}
		})
	}
}

func TestServiceAudits(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	svc := user.NewService(app.DB, app.Server.Sessions)
	actor := audit.Actor{UserID: userID(t, app.DB, adminEmail), Roles: []string{"employee", "admin"}, RequestID: "req-1", ClientIP: "192.0.2.1"}

	org, err := svc.CreateOrganisation(ctx, actor, "Viies AS")
	if err != nil {
		t.Fatal(err)
	}
	id, err := svc.Create(ctx, actor, user.NewUser{Email: "c@viies.example", Name: "C", Roles: user.RoleList{access.Customer}, OrgID: &org})
	if err != nil {
		t.Fatal(err)
	}
	ev := oneEvent(t, app.DB, "user.create", id, actor.UserID)
	if ev.OrgID == nil || *ev.OrgID != org {
		t.Errorf("user.create of a customer: org_id %v, want %d", ev.OrgID, org)
	}
	if err := svc.SetActive(ctx, actor, id, false); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetActive(ctx, actor, id, false); err != nil { // already: nothing to do
		t.Fatal(err)
	}
	ev = oneEvent(t, app.DB, "user.deactivate", id, actor.UserID)
	if ev.OrgID == nil || *ev.OrgID != org {
		t.Errorf("user.deactivate of a customer: org_id %v, want %d", ev.OrgID, org)
	}
	var row struct {
		Roles    string `db:"roles"`
		IP       string `db:"client_ip"`
		Request  string `db:"request_id"`
		ActorJob string `db:"actor_job"`
	}
	err = app.DB.Get(&row, `SELECT array_to_string(actor_roles, ',') AS roles, client_ip, request_id, actor_job
		FROM audit_events WHERE action = 'user.deactivate' AND object_id = $1::text`, id)
	if err != nil {
		t.Fatal(err)
	}
	if row.Roles != "employee,admin" || row.IP != "192.0.2.1" || row.Request != "req-1" || row.ActorJob != "" {
		t.Errorf("audited actor %+v", row)
	}
}

// TestLastAdminRace takes the admin role from each of the last two admins at the same
// time, again and again: one of the two must always be refused.
func TestLastAdminRace(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	svc := user.NewService(app.DB, app.Server.Sessions)
	job := audit.Job("test")
	a, b := userID(t, app.DB, adminEmail), userID(t, app.DB, "employee@tugi.example")
	admin := user.RoleList{access.Employee, access.Admin}
	ops := []func(id int64) error{
		func(id int64) error {
			_, err := svc.SetRoles(ctx, job, id, user.RoleList{access.Employee}, nil)
			return err
		},
		func(id int64) error { return svc.SetActive(ctx, job, id, false) },
	}
	for round := range 60 {
		for _, id := range []int64{a, b} {
			if err := svc.SetActive(ctx, job, id, true); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SetRoles(ctx, job, id, admin, nil); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []int64{a, b} {
			op := ops[(round>>i)&1] // every mix of removing the role and deactivating
			wg.Go(func() { errs[i] = op(id) })
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			switch {
			case errors.Is(err, user.ErrLastAdmin):
				refused++
			case err != nil:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		left := count(t, app.DB, `SELECT count(*) FROM users WHERE active AND 'admin' = ANY (roles)`)
		if left != 1 || refused != 1 {
			t.Fatalf("round %d: %d active admins left and %d refusals, want 1 and 1", round, left, refused)
		}
	}
}

func TestParseRoles(t *testing.T) {
	rl, err := user.ParseRoles([]string{"admin", "employee", "admin"})
	if err != nil || !slices.Equal(rl.Strings(), []string{"employee", "admin"}) {
		t.Errorf("ParseRoles: %v %v, want [employee admin] in canonical order, once each", rl, err)
	}
	if _, err := user.ParseRoles([]string{"employee", "Admin"}); !errors.Is(err, user.ErrUnknownRole) {
		t.Errorf("ParseRoles with Admin: %v, want ErrUnknownRole", err)
	}
	if rl, err := user.ParseRoles(nil); err != nil || len(rl) != 0 {
		t.Errorf("ParseRoles(nil): %v %v", rl, err)
	}
}
