package privacy_test

import (
	"context"
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
	"tugi/app/inbound"
	"tugi/app/testdb"
	"tugi/app/user"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The demo people the tests act as.
const (
	andres = "agent@tugi.example"
	sirje  = "ciso@tugi.example"
	toomas = "admin@tugi.example"
)

// someone is a person a test makes, with distinctive strings to look for.
type someone struct {
	ID    int64
	Name  string
	Email string
	Org   string // the organisation's name; "" for staff
}

// words are the strings that must not be found once the person is erased: the name, the
// address, and each word of the name (search vectors keep words apart).
func (p someone) words() []string {
	return append([]string{p.Name, p.Email}, strings.Fields(p.Name)...)
}

// newPerson makes a person with the demo password: a customer of org, or staff with roles.
func newPerson(t *testing.T, app *apptest.App, name, email, org string, roles ...access.Role) someone {
	t.Helper()
	ctx := context.Background()
	hash, err := user.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	nu := user.NewUser{Email: email, Name: name, Roles: user.RoleList(roles), PasswordHash: hash}
	if org != "" {
		var id int64
		if err := app.DB.Get(&id, `SELECT id FROM organisations WHERE name = $1`, org); err != nil {
			t.Fatal(err)
		}
		nu.OrgID, nu.Roles = &id, user.RoleList{access.Customer}
	}
	id, err := user.NewService(app.DB, app.Server.Sessions).Create(ctx, audit.Job("test"), nu)
	if err != nil {
		t.Fatal(err)
	}
	return someone{ID: id, Name: name, Email: email, Org: org}
}

func ticketForm(t *testing.T, app *apptest.App, subject, body string) url.Values {
	t.Helper()
	var category int64
	if err := app.DB.Get(&category, `SELECT min(id) FROM categories WHERE NOT security`); err != nil {
		t.Fatal(err)
	}
	return url.Values{"subject": {subject}, "body": {body}, "category_id": {strconv.FormatInt(category, 10)}, "impact": {"one_person"}}
}

// customerLife gives customer p what a customer of the demo has: a ticket with a file and
// an agent's answer naming them, a chat with an agent, mail they sent in, a failed and a
// good sign-in, a personal code and an audit export filtered by their address. It
// returns the ticket's path.
func customerLife(t *testing.T, app *apptest.App, p someone) string {
	t.Helper()
	ctx := context.Background()
	c := app.Client(t)
	c.Get(t, "/login", http.StatusOK)
	c.Post(t, "/login", url.Values{"email": {p.Email}, "password": {"not " + p.Name + "'s password"}}, http.StatusUnauthorized)
	c = app.SignIn(t, p.Email)

	tp := c.PostFiles(t, "/tickets", ticketForm(t, app, "Printer of "+p.Name, "The printer jams.\n\nRegards,\n"+p.Name+" <"+p.Email+">"),
		[]apptest.Upload{{Field: "files", Name: strings.ReplaceAll(p.Name, " ", "_") + ".txt", Data: []byte("Scanned by " + p.Name + " (" + p.Email + ")\n")}},
		http.StatusSeeOther).Location()
	app.SignIn(t, andres).PostFiles(t, tp+"/compose", url.Values{"kind": {"reply"}, "body": {"Hello " + p.Name + ", please try again."}},
		nil, http.StatusSeeOther)
	c.Post(t, tp+"/reply", url.Values{"body": {"Still jams. " + p.Name}}, http.StatusSeeOther)

	// A chat with Andres: started here as chat_routes_test.go does, then written in by both.
	var chatID int64
	err := app.DB.Get(&chatID, `
		WITH c AS (
			INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at)
			SELECT u.org_id, u.id, a.id, 'active', now(), now() FROM users u, users a WHERE u.id = $1 AND a.email = $2
			RETURNING id, org_id, customer_id)
		INSERT INTO chat_messages (chat_id, org_id, author_id, by_staff, body, created_at)
		SELECT id, org_id, customer_id, false, 'Hi, my name is ' || $3, now() FROM c RETURNING chat_id`, p.ID, andres, p.Name)
	if err != nil {
		t.Fatal(err)
	}
	chat := "/chat/" + strconv.FormatInt(chatID, 10)
	c.PostFiles(t, chat+"/messages", url.Values{"body": {"I am " + p.Name + ", reach me at " + p.Email}},
		[]apptest.Upload{{Field: "files", Name: "photo-" + strings.Fields(p.Name)[1] + ".txt", Data: []byte("photo of " + p.Name)}}, http.StatusSeeOther)
	app.SignIn(t, andres).PostFiles(t, chat+"/messages", url.Values{"body": {"Thank you, " + p.Name + "."}}, nil, http.StatusSeeOther)

	// Mail they send in: a reply to the ticket, from their address.
	raw := fmt.Sprintf("From: %s <%s>\r\nTo: support@tugi.example\r\nSubject: About my printer, %s\r\nMessage-ID: <%d@mail.example>\r\n\r\nIt is %s again.\r\n",
		p.Name, p.Email, p.Name, time.Now().UnixNano(), p.Name)
	if _, err := app.Server.Inbound.Receive(ctx, inbound.Delivery{Raw: []byte(raw), Mailbox: inbound.Support, Via: "smtp"}); err != nil {
		t.Fatal(err)
	}

	admin := app.SignIn(t, toomas)
	admin.Post(t, "/admin/users/"+strconv.FormatInt(p.ID, 10)+"/personal-code", url.Values{"personal_code": {personalCode(p.ID)}}, http.StatusSeeOther)
	app.SignIn(t, sirje).Get(t, "/audit/export.csv?person="+url.QueryEscape(p.Email), http.StatusOK)
	return tp
}

// staffLife gives staff member p incident reports: one on the web, its timeline naming
// them in a note for the reporter.
func staffLife(t *testing.T, app *apptest.App, p someone) string {
	t.Helper()
	c := app.SignIn(t, p.Email)
	ip := c.Post(t, "/incidents/new", url.Values{"summary": {p.Name + " found a USB stick labelled " + p.Email},
		"system_or_data": {"The laptop of " + p.Name}}, http.StatusSeeOther).Location()
	app.SignIn(t, sirje).Post(t, ip+"/notes", url.Values{"note": {"Thanks " + p.Name + ", we are looking."}, "tell_reporter": {"1"}}, http.StatusSeeOther)
	return ip
}

// personalCode returns a valid Estonian personal code (isikukood) unique to id.
func personalCode(id int64) string {
	base := fmt.Sprintf("4900101%03d", id%1000)
	check := func(w []int) int {
		sum := 0
		for i, d := range base {
			sum += int(d-'0') * w[i]
		}
		return sum % 11
	}
	c := check([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 1})
	if c == 10 {
		if c = check([]int{3, 4, 5, 6, 7, 8, 9, 1, 2, 3}); c == 10 {
			c = 0
		}
	}
	return base + strconv.Itoa(c)
}
