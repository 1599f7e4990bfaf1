package demo

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/incident"
)

// demoIncident is a security incident of the demo: who reported it, and what the CISO and
// its handlers did with it, so that the need-to-know rule can be seen and tried (the CISO
// sees all of them; agent@ the one naming them; agent2@ none; each employee their own
// reports, in part).
type demoIncident struct {
	reporter   string
	report     incident.ReportRequest
	orgs       []string // affected organisations, by name
	fromTicket string   // the subject of the customer ticket it was reported from, by agent@
	class      *incident.Classification
	handlers   []string
	notes      []demoNote
	tasks      []string
	moves      []incident.State
	reason     string // why it is not an incident
	review     *incident.Review
}

type demoNote struct {
	who, body string
	tell      bool
}

var incidents = []demoIncident{
	{reporter: "employee@tugi.example", report: incident.ReportRequest{
		Summary:      "I left my work laptop on the train this morning. It has last week's customer data exports on it.",
		SystemOrData: "Work laptop, customer exports", PersonalData: incident.PersonalYes},
		orgs: []string{"Demo Customer OÜ"},
		class: &incident.Classification{Class: "information-content-security", Type: "data-loss",
			C: incident.LevelHigh, I: incident.LevelNone, A: incident.LevelLow, Urgency: incident.UrgencyHigh},
		handlers: []string{"agent@tugi.example"},
		moves:    []incident.State{incident.Triage, incident.Investigating},
		notes: []demoNote{
			{who: "agent@tugi.example", body: "Disk encryption status checked in the device register: encrypted, but the exports folder was synced in plain text to the desktop."},
			{who: "ciso@tugi.example", body: "Thank you for reporting it at once. We are checking what was on the laptop; please tell us if the train company finds it.", tell: true},
		},
		tasks: []string{"Ask the train operator's lost and found", "Revoke the laptop's certificates and sessions"},
	},
	{reporter: "employee2@tugi.example", report: incident.ReportRequest{
		Summary:      "An e-mail claiming to be from Tugi asked me to sign in on a strange site. I clicked the link but did not type anything.",
		SystemOrData: "E-mail", PersonalData: incident.PersonalNo},
		class: &incident.Classification{Class: "fraud", Type: "phishing",
			C: incident.LevelLow, I: incident.LevelNone, A: incident.LevelNone, Urgency: incident.UrgencyMedium},
		moves: []incident.State{incident.Triage},
	},
	{reporter: "employee@tugi.example", report: incident.ReportRequest{
		Summary: "The office printer sends a lot of traffic to an address abroad.", SystemOrData: "Office printer"},
		moves: []incident.State{incident.NotIncident}, reason: "The traffic is the vendor's firmware update service, as configured.",
	},
	{reporter: "employee2@tugi.example", report: incident.ReportRequest{
		Summary:     "I found a customer database export on a file share that everyone in the office can open.",
		OrgsUnknown: true, PersonalData: incident.PersonalUnknown},
	},
	{reporter: "employee2@tugi.example", report: incident.ReportRequest{
		Summary: "My access badge was missing for a day; I found it at home the next morning.", SystemOrData: "Office access badge"},
		class: &incident.Classification{Class: "other", Type: "undetermined",
			C: incident.LevelLow, I: incident.LevelNone, A: incident.LevelNone, Urgency: incident.UrgencyLow},
		moves: []incident.State{incident.Triage, incident.Investigating, incident.Resolved, incident.Closed},
	},
	{reporter: "agent@tugi.example", fromTicket: "Unexpected sign-in notification"},
}

func loadIncidents(ctx context.Context, db *sqlx.DB, actor audit.Actor, people map[string]*access.Viewer) error {
	svc := incident.NewService(incident.Options{DB: db})
	ciso := people["ciso@tugi.example"]
	for n, di := range incidents {
		reporter := people[di.reporter]
		var inc *incident.Incident
		var err error
		if di.fromTicket != "" {
			var id int64
			if err = db.GetContext(ctx, &id, `SELECT id FROM tickets WHERE subject = $1`, di.fromTicket); err == nil {
				inc, err = svc.FromTicket(ctx, actor, reporter, id, "A customer saw a sign-in to their account from abroad.")
			}
		} else {
			r := di.report
			for _, name := range di.orgs {
				var org int64
				if err := db.GetContext(ctx, &org, `SELECT id FROM organisations WHERE name = $1`, name); err != nil {
					return fmt.Errorf("demo: incident %d: organisation %s: %w", n+1, name, err)
				}
				r.OrgIDs = append(r.OrgIDs, org)
			}
			inc, err = svc.Report(ctx, actor, reporter, r)
		}
		if err != nil {
			return fmt.Errorf("demo: incident %d: %w", n+1, err)
		}
		if di.class != nil {
			err = svc.Classify(ctx, actor, ciso, inc.ID, *di.class)
		}
		for _, h := range di.handlers {
			if err == nil {
				err = svc.AddHandler(ctx, actor, ciso, inc.ID, people[h].UserID)
			}
		}
		for _, s := range di.moves {
			if err == nil {
				err = svc.Move(ctx, actor, ciso, inc.ID, s, di.reason)
			}
		}
		for _, note := range di.notes {
			if err == nil {
				err = svc.AddNote(ctx, actor, people[note.who], inc.ID, note.body, note.tell)
			}
		}
		for _, t := range di.tasks {
			if err == nil {
				err = svc.AddTask(ctx, actor, ciso, inc.ID, t, people[di.handlers[0]].UserID, nil)
			}
		}
		if err != nil {
			return fmt.Errorf("demo: incident %d: %w", n+1, err)
		}
	}
	return nil
}
