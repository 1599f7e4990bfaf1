// Package demo loads the people and organisations that the README, newcomers and outside
// checks sign in as, the agents' team, and a few tickets in every state. It loads into the
// embedded database on its first start, and into any other database only when asked
// (`tugi demo`).
package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/routing"
	"tugi/app/sla"
	"tugi/app/subprocessor"
	"tugi/app/ticket"
	"tugi/app/user"
)

// Password is every demo user's password.
const Password = "tugi-demo-password"

// TOTPSecret is the authenticator secret (base32; SHA-1, six digits, 30 seconds) every
// demo staff person has set up, so a newcomer and an outside check can pass the second
// step of sign-in: demo data only, printed in the README. Customers sign in with the
// password alone.
const TOTPSecret = "TUGIDEMOTUGIDEMOTUGIDEMOTUGIDEMO"

// Organisations are the demo customer organisations.
var Organisations = []string{"Demo Customer OÜ", "Second Customer AS"}

// Person is a demo user.
type Person struct {
	Email string
	Name  string
	Roles []access.Role
	Org   string // for customers: one of Organisations
}

// PersonalCodes are the Estonian personal codes of demo people, by e-mail address, for
// ID-card sign-in with a test card (38001085718 is a test code of the ID-card test chain).
var PersonalCodes = map[string]string{"ciso@tugi.example": "38001085718"}

// Staff reports whether p holds a role other than customer.
func (p Person) Staff() bool {
	return slices.ContainsFunc(p.Roles, func(r access.Role) bool { return r != access.Customer })
}

// People are the demo users, as listed in the README.
var People = []Person{
	{"customer@demo-customer.example", "Mari Maasikas", []access.Role{access.Customer}, "Demo Customer OÜ"},
	{"customer@second-customer.example", "Jaan Tamm", []access.Role{access.Customer}, "Second Customer AS"},
	{"employee@tugi.example", "Eva Employee", []access.Role{access.Employee}, ""},
	{"employee2@tugi.example", "Peeter Põld", []access.Role{access.Employee}, ""},
	{"agent@tugi.example", "Andres Agent", []access.Role{access.Employee, access.Agent}, ""},
	{"agent2@tugi.example", "Kadri Kask", []access.Role{access.Employee, access.Agent}, ""},
	{"ciso@tugi.example", "Sirje Security", []access.Role{access.Employee, access.CISO}, ""},
	{"admin@tugi.example", "Toomas Admin", []access.Role{access.Employee, access.Admin}, ""},
}

// Team is the demo agents' team (db/migrations/0004 creates it).
const Team = "User Support"

// Load creates the demo organisations, people, team and tickets in db, audited as the
// "demo" job; sessions ends sessions as the directory needs (app/auth's store); key seals
// the demo staff's authenticator secret (TUGI_FACTOR_KEY).
func Load(ctx context.Context, db *sqlx.DB, sessions user.SessionRevoker, key *auth.FactorKey) error {
	svc := user.NewService(db, sessions)
	actor := audit.Job("demo")
	orgIDs := map[string]int64{}
	for _, name := range Organisations {
		id, err := svc.CreateOrganisation(ctx, actor, name)
		if err != nil {
			return fmt.Errorf("demo: organisation %s: %w", name, err)
		}
		orgIDs[name] = id
	}
	hash, err := user.HashPassword(Password)
	if err != nil {
		return err
	}
	people := map[string]*access.Viewer{} // as the ticket service sees them, by e-mail address
	for _, p := range People {
		nu := user.NewUser{Email: p.Email, Name: p.Name, Roles: user.RoleList(p.Roles), PasswordHash: hash}
		if p.Org != "" {
			id := orgIDs[p.Org]
			nu.OrgID = &id
		}
		id, err := svc.Create(ctx, actor, nu)
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", p.Email, err)
		}
		if code := PersonalCodes[p.Email]; code != "" {
			if err := svc.SetPersonalCode(ctx, actor, id, code); err != nil {
				return fmt.Errorf("demo: personal code of %s: %w", p.Email, err)
			}
		}
		if p.Staff() {
			if err := auth.EnrolTOTP(ctx, db, key, actor, id, TOTPSecret); err != nil {
				return fmt.Errorf("demo: authenticator of %s: %w", p.Email, err)
			}
		}
		people[p.Email] = &access.Viewer{UserID: id, Email: p.Email, Name: p.Name, Roles: p.Roles, OrgID: orgIDs[p.Org], OrgName: p.Org}
	}
	if err := loadSubprocessors(ctx, db, actor); err != nil {
		return err
	}
	if err := loadTickets(ctx, db, actor, people); err != nil {
		return err
	}
	return loadIncidents(ctx, db, actor, people)
}

// loadSubprocessors records the sub-processors the demo customers' agreements name.
func loadSubprocessors(ctx context.Context, db *sqlx.DB, actor audit.Actor) error {
	svc := subprocessor.New(db, nil, "")
	since := svc.Today().AddDate(-2, 0, 0)
	for _, sp := range []subprocessor.Subprocessor{
		{Name: "Example Data Centre OÜ", Purpose: "hosts the servers and the database, and keeps the backups", Location: "Tallinn, Estonia"},
		{Name: "Example Mail Services AS", Purpose: "delivers the e-mail Tugi sends", Location: "Helsinki, Finland"},
	} {
		sp.StartsOn = since
		if _, err := svc.Record(ctx, actor, sp); err != nil {
			return fmt.Errorf("demo: sub-processor %s: %w", sp.Name, err)
		}
	}
	return nil
}

// demoTicket is a demo ticket and what happens to it.
type demoTicket struct {
	customer string // the requester's e-mail address
	subject  string
	category string
	impact   ticket.Impact
	body     string
	steps    []step
}

// step is something an agent or the customer does to a demo ticket.
type step struct {
	who    string // e-mail address
	reply  string // a public message
	note   string // an internal note
	wait   bool   // with reply: wait for the customer
	take   bool
	status ticket.Status
}

var tickets = []demoTicket{
	{customer: "customer@demo-customer.example", subject: "How do I add a new colleague to our account?", category: "Question",
		impact: ticket.OnePerson, body: "Hello, a new colleague starts on Monday. How do I give her access?"},
	{customer: "customer@demo-customer.example", subject: "Monthly report export fails", category: "Problem or error",
		impact: ticket.SeveralPeople, body: "Since this morning the export of the monthly report stops with an error. Three of us need it today.",
		steps: []step{
			{who: "agent@tugi.example", take: true},
			{who: "agent@tugi.example", note: "Same error as last month's export bug? Checking the logs."},
			{who: "agent@tugi.example", reply: "Thank you, we are looking into it. Which browser do you use, and does a shorter date range work?", wait: true},
		}},
	{customer: "customer@demo-customer.example", subject: "Invoice shows the wrong VAT number", category: "Billing",
		impact: ticket.OnePerson, body: "Our last invoice shows an old VAT number. Could you send a corrected one?",
		steps: []step{
			{who: "agent2@tugi.example", take: true},
			{who: "agent2@tugi.example", reply: "We have asked our accounting for a corrected invoice and will send it here."},
		}},
	{customer: "customer@demo-customer.example", subject: "Please enable single sign-on", category: "Change request",
		impact: ticket.SeveralPeople, body: "We would like to sign in with our company accounts.",
		steps: []step{
			{who: "agent2@tugi.example", take: true},
			{who: "agent2@tugi.example", reply: "We will set it up with our identity provider and let you know."},
			{who: "agent2@tugi.example", note: "Waiting for the identity provider's test tenant.", status: ticket.OnHold},
		}},
	{customer: "customer@demo-customer.example", subject: "Password reset e-mail did not arrive", category: "Problem or error",
		impact: ticket.OnePerson, body: "I asked for a password reset twice, but no e-mail came.",
		steps: []step{
			{who: "agent@tugi.example", take: true},
			{who: "agent@tugi.example", reply: "Your mail server had refused our message; we have sent it again. Please check your inbox."},
			{who: "customer@demo-customer.example", reply: "It arrived now, thank you!"},
			{who: "agent@tugi.example", status: ticket.Solved},
		}},
	{customer: "customer@second-customer.example", subject: "Unexpected sign-in notification", category: "Security concern",
		impact: ticket.OnePerson, body: "I got a notice of a sign-in from a country where none of us is. Is our account safe?"},
	{customer: "customer@second-customer.example", subject: "How long do you keep our data?", category: "Question",
		impact: ticket.OnePerson, body: "Our auditor asks how long our data is kept after the contract ends.",
		steps: []step{
			{who: "agent@tugi.example", reply: "It is deleted 30 days after the contract ends; backups follow within seven days."},
			{who: "customer@second-customer.example", reply: "Thank you, that answers it."},
			{who: "agent@tugi.example", status: ticket.Solved},
			{who: "customer@second-customer.example", status: ticket.Closed},
		}},
}

// loadTickets puts the agents in their team and opens the demo tickets.
func loadTickets(ctx context.Context, db *sqlx.DB, actor audit.Actor, people map[string]*access.Viewer) error {
	svc := ticket.NewService(ticket.Options{DB: db, Calendars: sla.NewCalendars(db)})
	team, err := routing.NewStore(db).TeamByName(ctx, Team)
	if err != nil {
		return fmt.Errorf("demo: team %s: %w", Team, err)
	}
	for _, p := range People {
		if slices.Contains(p.Roles, access.Agent) {
			if err := routing.AddMember(ctx, db, actor, team, people[p.Email].UserID); err != nil {
				return fmt.Errorf("demo: team member %s: %w", p.Email, err)
			}
		}
	}
	cats, err := ticket.NewStore(db).Categories(ctx)
	if err != nil {
		return err
	}
	for _, dt := range tickets {
		var catID int64
		for _, c := range cats {
			if c.Name == dt.category {
				catID = c.ID
			}
		}
		customer := people[dt.customer]
		t, err := svc.Create(ctx, actor, customer, ticket.Request{Subject: dt.subject, Body: dt.body, CategoryID: catID, Impact: dt.impact})
		if err != nil {
			return fmt.Errorf("demo: ticket %q: %w", dt.subject, err)
		}
		for _, s := range dt.steps {
			v := people[s.who]
			switch {
			case s.take:
				err = svc.Take(ctx, actor, v, t.ID, 0) // a new ticket: nobody has it yet
			case s.reply != "":
				err = svc.Reply(ctx, actor, v, t.ID, s.reply, s.wait)
			}
			if err == nil && s.note != "" {
				err = svc.Note(ctx, actor, v, t.ID, s.note)
			}
			if err == nil && s.status == ticket.Closed {
				err = svc.Close(ctx, actor, v, t.ID)
			} else if err == nil && s.status != "" {
				err = svc.SetFields(ctx, actor, v, t.ID, ticket.Fields{Status: &s.status})
			}
			if err != nil {
				return fmt.Errorf("demo: ticket %q: %w", dt.subject, err)
			}
		}
	}
	return nil
}
