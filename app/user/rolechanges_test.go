package user_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/demo"
	"tugi/app/user"
)

const secondAdminEmail = "liis.admin@tugi.example"

// addSecondAdmin makes a second admin, Liis, as the command line would (the demo has one
// admin), and returns her id and a client signed in as her.
func addSecondAdmin(t *testing.T, app *apptest.App) (int64, *apptest.Client) {
	t.Helper()
	hash, err := user.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	id, err := user.NewService(app.DB, app.Server.Sessions).Create(context.Background(), audit.Job("cli"),
		user.NewUser{Email: secondAdminEmail, Name: "Liis Admin", Roles: user.RoleList{access.Employee, access.Admin}, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return id, app.SignIn(t, secondAdminEmail)
}

// openChange returns the id of the person's open role change, failing t when there is none.
func openChange(t *testing.T, app *apptest.App, userID int64) int64 {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM role_changes WHERE user_id = $1 AND outcome IS NULL`, userID); err != nil {
		t.Fatalf("the open role change of user %d: %v", userID, err)
	}
	return id
}

func grantMails(t *testing.T, app *apptest.App) int {
	t.Helper()
	return count(t, app.DB, `SELECT count(*) FROM mail_outbox WHERE kind = 'user.roles_granted'`)
}

// An admin cannot give themselves roles (the agent's and CISO's would show them ticket
// content and the whole audit log), nor take their own.
func TestNobodyChangesTheirOwnRoles(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, adminEmail)
	self := userID(t, app.DB, adminEmail)
	path := "/admin/users/" + strconv.FormatInt(self, 10)
	if p := c.Get(t, path, http.StatusOK); p.Doc.Find("#own-roles").Length() != 1 {
		t.Error("the admin's own page does not say another admin changes their roles")
	}
	addSecondAdmin(t, app)
	for _, roles := range [][]string{{"employee", "admin", "agent", "ciso"}, {"employee", "admin", "ciso"}, {"admin"}} {
		before := take(t, app.DB)
		p := c.Post(t, path+"/roles", url.Values{"roles": roles}, http.StatusUnprocessableEntity)
		if !strings.Contains(p.FieldError("roles"), "Nobody changes their own roles") {
			t.Errorf("own roles %v: beside roles %q", roles, p.FieldError("roles"))
		}
		before.check(t, app.DB)
		if got := rolesOf(t, app.DB, self); got != "employee,admin" {
			t.Fatalf("the admin's roles became %s", got)
		}
		if n := count(t, app.DB, `SELECT count(*) FROM role_changes`); n != 0 {
			t.Errorf("%d role changes asked for", n)
		}
	}
}

// A grant of CISO waits until a second admin approves it; the one who asked cannot; the
// approval writes the roles, mails the CISO, and everything is audited.
func TestRoleGrantWaitsForASecondAdmin(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	toomasID := userID(t, app.DB, adminEmail)
	liisID, liis := addSecondAdmin(t, app)
	eva := userID(t, app.DB, "employee@tugi.example")
	evaPath := "/admin/users/" + strconv.FormatInt(eva, 10)

	p := toomas.Post(t, evaPath+"/roles", url.Values{"roles": {"employee", "ciso"}}, http.StatusSeeOther)
	p = toomas.Get(t, p.Location(), http.StatusOK)
	if !strings.Contains(p.Text(".flash"), "waits for another admin's approval") {
		t.Errorf("flash after asking: %q", p.Text(".flash"))
	}
	if got := rolesOf(t, app.DB, eva); got != "employee" {
		t.Fatalf("Eva's roles before the approval: %s", got)
	}
	if grantMails(t, app) != 0 {
		t.Error("the CISO is mailed before the grant takes effect")
	}
	pending := strings.Join(strings.Fields(p.Text("#pending-roles")), " ")
	if !strings.Contains(pending, "Toomas Admin") || !strings.Contains(pending, "from Employee to Employee, CISO") {
		t.Errorf("the pending change on Eva's page: %q", pending)
	}
	if p.Doc.Find(`#pending-roles form[action$="/approve"]`).Length() != 0 {
		t.Error("the admin who asked is offered to approve")
	}
	if p.Doc.Find("#waiting-role-changes").Length() != 0 || toomas.Get(t, "/admin/users", http.StatusOK).Doc.Find("#waiting-role-changes").Length() != 0 {
		t.Error("the admin who asked is told the change waits for them")
	}
	change := openChange(t, app, eva)
	approve := fmt.Sprintf("/admin/role-changes/%d/approve", change)

	// The asker cannot approve it, even by posting.
	p = toomas.Post(t, approve, nil, http.StatusSeeOther)
	if flash := toomas.Get(t, p.Location(), http.StatusOK).Text(".flash"); !strings.Contains(flash, "not the one who asked for it") {
		t.Errorf("the asker's approval: flash %q", flash)
	}
	if got := rolesOf(t, app.DB, eva); got != "employee" {
		t.Fatalf("the asker's own approval gave Eva %s", got)
	}

	// The other admin is told on the user list, and approves on Eva's page.
	list := liis.Get(t, "/admin/users", http.StatusOK)
	if got := list.Text("#waiting-role-changes p"); got != "1 role change waits for your approval." {
		t.Errorf("the second admin's user list says %q", got)
	}
	if href, _ := list.Doc.Find("#waiting-role-changes a").Attr("href"); href != evaPath {
		t.Errorf("the waiting change links to %q, want %s", href, evaPath)
	}
	if liis.Get(t, evaPath, http.StatusOK).Doc.Find(`#pending-roles form[action="`+approve+`"] button`).Length() != 1 {
		t.Error("the second admin has no approve button on Eva's page")
	}
	p = liis.Post(t, approve, nil, http.StatusSeeOther)
	if p.Location() != evaPath {
		t.Errorf("the approval went to %q", p.Location())
	}
	if flash := liis.Get(t, evaPath, http.StatusOK).Text(".flash"); flash != "Role change approved: the roles are in effect." {
		t.Errorf("flash after approving: %q", flash)
	}
	if got := rolesOf(t, app.DB, eva); got != "employee,ciso" {
		t.Errorf("Eva's roles after the approval: %s", got)
	}
	if liis.Get(t, "/admin/users", http.StatusOK).Doc.Find("#waiting-role-changes").Length() != 0 {
		t.Error("the decided change still waits on the user list")
	}

	// The CISO hears of the grant; the mail says who asked and who approved.
	var m struct {
		Subject string `db:"subject"`
		Body    string `db:"body_text"`
	}
	if err := app.DB.Get(&m, `SELECT subject, body_text FROM mail_outbox WHERE kind = 'user.roles_granted' AND to_address = 'ciso@tugi.example'`); err != nil {
		t.Fatalf("the CISO's mail: %v", err)
	}
	if m.Subject != "Roles granted to Eva Employee: CISO" || !strings.Contains(m.Body, "Asked for by Toomas Admin, approved by Liis Admin.") {
		t.Errorf("the CISO's mail: %q\n%s", m.Subject, m.Body)
	}

	// Approving again is refused.
	p = liis.Post(t, approve, nil, http.StatusSeeOther)
	if flash := liis.Get(t, p.Location(), http.StatusOK).Text(".flash"); flash != "This role change was already decided." {
		t.Errorf("approving twice: flash %q", flash)
	}

	// The audit log holds the ask and the approval, by their admins.
	ask := oneEvent(t, app.DB, "user.request_roles", eva, toomasID).changes(t)
	if fmt.Sprint(ask["roles"].Old) != "[employee]" || fmt.Sprint(ask["roles"].New) != "[employee ciso]" {
		t.Errorf("the ask audited roles %v -> %v", ask["roles"].Old, ask["roles"].New)
	}
	ok := oneEvent(t, app.DB, "user.approve_roles", eva, liisID).changes(t)
	if fmt.Sprint(ok["roles"].New) != "[employee ciso]" || fmt.Sprint(ok["asked_by"].New) != strconv.FormatInt(toomasID, 10) {
		t.Errorf("the approval audited %v", ok)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'user.set_roles' AND object_id = $1`, strconv.FormatInt(eva, 10)); n != 0 {
		t.Errorf("%d plain role changes audited for the grant", n)
	}
	var outcome string
	var decidedBy int64
	if err := app.DB.QueryRow(`SELECT outcome, decided_by FROM role_changes WHERE id = $1`, change).Scan(&outcome, &decidedBy); err != nil || outcome != "approved" || decidedBy != liisID {
		t.Errorf("the role change: %s by %d (%v)", outcome, decidedBy, err)
	}
}

// An admin cannot make themselves a second account with the admin's, agent's or CISO's
// roles either: a new user's grant waits for another admin too.
func TestNewUsersGrantWaitsForASecondAdmin(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	_, liis := addSecondAdmin(t, app)
	p := toomas.Post(t, "/admin/users", url.Values{"email": {"toomas.too@tugi.example"}, "name": {"Toomas Too"},
		"roles": {"admin", "ciso"}, "password": {"a long enough password"}}, http.StatusSeeOther)
	id := userID(t, app.DB, "toomas.too@tugi.example")
	if got := rolesOf(t, app.DB, id); got != "employee" {
		t.Fatalf("the new user's roles before the approval: %s", got)
	}
	if flash := toomas.Get(t, p.Location(), http.StatusOK).Text(".flash"); !strings.Contains(flash, "wait for another admin's approval") {
		t.Errorf("flash %q", flash)
	}
	approve := fmt.Sprintf("/admin/role-changes/%d/approve", openChange(t, app, id))
	toomas.Post(t, approve, nil, http.StatusSeeOther)
	if got := rolesOf(t, app.DB, id); got != "employee" {
		t.Fatalf("the asker's approval gave the new user %s", got)
	}
	liis.Post(t, approve, nil, http.StatusSeeOther)
	if got := rolesOf(t, app.DB, id); got != "ciso,admin" {
		t.Errorf("the new user's roles after the approval: %s", got)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM mail_outbox WHERE kind = 'user.roles_granted' AND to_address = 'ciso@tugi.example'
		AND subject = 'Roles granted to Toomas Too: CISO, Admin'`); n != 1 {
		t.Errorf("the CISO got %d mails of the grant, want 1", n)
	}
}

// Another admin may reject a grant: the roles stay, nobody is mailed, and the rejection
// is audited.
func TestRejectRoleChange(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	liisID, liis := addSecondAdmin(t, app)
	eva := userID(t, app.DB, "employee@tugi.example")
	evaPath := "/admin/users/" + strconv.FormatInt(eva, 10)

	toomas.Post(t, evaPath+"/roles", url.Values{"roles": {"employee", "agent"}}, http.StatusSeeOther)
	change := openChange(t, app, eva)
	reject := fmt.Sprintf("/admin/role-changes/%d/reject", change)
	if liis.Get(t, evaPath, http.StatusOK).Doc.Find(`#pending-roles form[action="`+reject+`"]`).Length() != 1 {
		t.Error("the second admin has no reject button")
	}
	p := liis.Post(t, reject, nil, http.StatusSeeOther)
	if flash := liis.Get(t, p.Location(), http.StatusOK).Text(".flash"); flash != "Role change rejected: the roles stay as they were." {
		t.Errorf("flash after rejecting: %q", flash)
	}
	if got := rolesOf(t, app.DB, eva); got != "employee" {
		t.Errorf("Eva's roles after the rejection: %s", got)
	}
	if grantMails(t, app) != 0 {
		t.Error("a rejected grant was mailed")
	}
	oneEvent(t, app.DB, "user.reject_roles", eva, liisID)
	if liis.Get(t, evaPath, http.StatusOK).Doc.Find("#pending-roles").Length() != 0 {
		t.Error("the rejected change still shows as pending")
	}
	p = liis.Post(t, fmt.Sprintf("/admin/role-changes/%d/approve", change), nil, http.StatusSeeOther)
	if flash := liis.Get(t, p.Location(), http.StatusOK).Text(".flash"); flash != "This role change was already decided." {
		t.Errorf("approving a rejected change: flash %q", flash)
	}
	if got := rolesOf(t, app.DB, eva); got != "employee" {
		t.Errorf("approving a rejected change gave Eva %s", got)
	}
}

// A change overtaken by another is not approved: asking again or changing the roles at
// once supersedes it, and roles changed outside Tugi's pages make it outdated.
func TestOutdatedRoleChangeIsRefused(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	_, liis := addSecondAdmin(t, app)
	kadri := userID(t, app.DB, "agent2@tugi.example")
	kadriPath := "/admin/users/" + strconv.FormatInt(kadri, 10)

	p := toomas.Post(t, kadriPath+"/roles", url.Values{"roles": {"employee", "agent", "ciso"}}, http.StatusSeeOther)
	toomas.Get(t, p.Location(), http.StatusOK)
	first := openChange(t, app, kadri)
	// Removing a role takes effect at once, and supersedes the grant asked for.
	p = toomas.Post(t, kadriPath+"/roles", url.Values{"roles": {"employee"}}, http.StatusSeeOther)
	if flash := toomas.Get(t, p.Location(), http.StatusOK).Text(".flash"); flash != "Roles saved." {
		t.Errorf("removing a role: flash %q", flash)
	}
	if got := rolesOf(t, app.DB, kadri); got != "employee" {
		t.Errorf("Kadri's roles after the removal: %s", got)
	}
	p = liis.Post(t, fmt.Sprintf("/admin/role-changes/%d/approve", first), nil, http.StatusSeeOther)
	if flash := liis.Get(t, p.Location(), http.StatusOK).Text(".flash"); flash != "This role change was already decided." {
		t.Errorf("approving a superseded change: flash %q", flash)
	}
	if got := rolesOf(t, app.DB, kadri); got != "employee" {
		t.Errorf("a superseded change gave Kadri %s", got)
	}

	// Roles changed straight in the database: the change no longer fits them.
	toomas.Post(t, kadriPath+"/roles", url.Values{"roles": {"employee", "admin"}}, http.StatusSeeOther)
	second := openChange(t, app, kadri)
	if _, err := app.DB.Exec(`UPDATE users SET roles = '{employee,agent}' WHERE id = $1`, kadri); err != nil {
		t.Fatal(err)
	}
	p = liis.Post(t, fmt.Sprintf("/admin/role-changes/%d/approve", second), nil, http.StatusSeeOther)
	if flash := liis.Get(t, p.Location(), http.StatusOK).Text(".flash"); !strings.Contains(flash, "roles changed since this was asked for") {
		t.Errorf("approving an outdated change: flash %q", flash)
	}
	if got := rolesOf(t, app.DB, kadri); got != "employee,agent" {
		t.Errorf("an outdated change gave Kadri %s", got)
	}
	liis.Post(t, "/admin/role-changes/999999/approve", nil, http.StatusNotFound)
}

// With one admin, the page says a grant cannot be approved in Tugi; with two, it does not.
func TestOnlyAdminIsTold(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	evaPath := "/admin/users/" + strconv.FormatInt(userID(t, app.DB, "employee@tugi.example"), 10)
	if got := toomas.Get(t, evaPath, http.StatusOK).Text("#only-admin"); !strings.Contains(got, "tugi user add") {
		t.Errorf("the only admin is told %q", got)
	}
	addSecondAdmin(t, app)
	if toomas.Get(t, evaPath, http.StatusOK).Doc.Find("#only-admin").Length() != 0 {
		t.Error("with two admins, the page still says there is one")
	}
}

// Nobody but an admin reaches a role change, to see or to decide it.
func TestRoleChangesAreAdminOnly(t *testing.T) {
	app := apptest.New(t)
	toomas := app.SignIn(t, adminEmail)
	addSecondAdmin(t, app)
	eva := userID(t, app.DB, "employee@tugi.example")
	toomas.Post(t, "/admin/users/"+strconv.FormatInt(eva, 10)+"/roles", url.Values{"roles": {"employee", "admin"}}, http.StatusSeeOther)
	change := openChange(t, app, eva)
	for _, email := range []string{"customer@demo-customer.example", "employee@tugi.example", "agent@tugi.example", "ciso@tugi.example"} {
		c := app.SignIn(t, email)
		before := take(t, app.DB)
		for _, action := range []string{"approve", "reject"} {
			c.Post(t, fmt.Sprintf("/admin/role-changes/%d/%s", change, action), nil, http.StatusForbidden)
		}
		c.Get(t, "/admin/users", http.StatusForbidden)
		before.check(t, app.DB)
	}
	if got := rolesOf(t, app.DB, eva); got != "employee" {
		t.Errorf("Eva's roles: %s", got)
	}
	if openChange(t, app, eva) != change {
		t.Error("the change was decided")
	}
}

// Two admins asking to change one person's roles at the same moment: the second is told
// so beside the roles field (one open change a person), not given an error page.
func TestRoleChangesAskedAtOnceCross(t *testing.T) {
	app := apptest.New(t)
	liis, _ := addSecondAdmin(t, app)
	admin := userID(t, app.DB, adminEmail)
	agent := userID(t, app.DB, "employee@tugi.example")
	ctx := context.Background()
	// Liis's request is written but not yet committed when Toomas asks for another.
	tx, err := app.DB.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	if _, err := user.NewStore(tx).AskRoleChange(ctx, agent, liis, user.RoleList{access.Employee},
		user.RoleList{access.Employee, access.Agent}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := user.NewService(app.DB, app.Server.Sessions).SetRoles(ctx, audit.Actor{UserID: admin}, agent,
			user.RoleList{access.Employee, access.CISO}, nil)
		done <- err
	}()
	// Toomas's insert waits on Liis's open row; her commit makes his a duplicate.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := app.DB.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second request never waited for the first")
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, user.ErrChangeCrossed) {
		t.Fatalf("the second request: %v, want ErrChangeCrossed", err)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM role_changes WHERE user_id = $1`, agent); n != 1 {
		t.Errorf("%d role changes recorded, want Liis's one", n)
	}
}
