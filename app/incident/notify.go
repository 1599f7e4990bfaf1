package incident

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"tugi/app/i18n"
	"tugi/app/mail"
)

// E-mail notices about incidents, queued in the outbox in the transaction of the change,
// at any hour: incidents do not wait for business hours. Mail leaves Tugi, so a notice
// names the incident by its reference and links to it; what happened stays in Tugi,
// behind the scope of its page:
//
//   - to every active CISO, when an incident is reported;
//   - to an agent, when the CISO names them a handler (until then they are not told:
//     need to know);
//   - to the reporter: a confirmation of the report, and when the state moves or a
//     handler tells them something.
//
// Nobody is told of their own change.

func (s *Service) link(id int64) string { return s.publicURL + Path(id) }

// send queues one notice about inc to p.
func (s *Service) send(ctx context.Context, tx *sqlx.Tx, inc *Incident, p Person, kind, subject, body string) error {
	text := i18n.T(p.Language, "Dear %s,", p.Name) + "\n\n" + body + "\n\n" +
		i18n.T(p.Language, "Open it at %s", s.link(inc.ID)) + "\n"
	id := strconv.FormatInt(inc.ID, 10)
	_, err := mail.Enqueue(ctx, tx, mail.Message{
		To:         mail.Address{Name: p.Name, Email: p.Email},
		Subject:    "[" + inc.Reference + "] " + subject,
		Text:       text,
		Thread:     mail.ThreadOf("incident", id),
		Kind:       kind,
		ObjectType: "incident",
		ObjectID:   id,
		UserID:     p.ID,
	})
	return err
}

// notifyReported tells the CISOs of a new incident and confirms it to its reporter.
func (s *Service) notifyReported(ctx context.Context, tx *sqlx.Tx, inc *Incident, by int64) error {
	if s.publicURL == "" {
		return nil
	}
	st := NewStore(tx)
	cisos, err := st.CISOs(ctx)
	if err != nil {
		return err
	}
	for _, p := range cisos {
		if p.ID == by {
			continue
		}
		if err := s.send(ctx, tx, inc, p, "incident.reported", i18n.T(p.Language, "New security incident"),
			i18n.T(p.Language, "Security incident %s has been reported. Triage it in Tugi.", inc.Reference)); err != nil {
			return err
		}
	}
	r, err := st.person(ctx, inc.ReporterID)
	if err != nil || r == nil {
		return err
	}
	return s.send(ctx, tx, inc, *r, "incident.received", i18n.T(r.Language, "Your report was received"),
		i18n.T(r.Language, "Thank you: your report of a security incident was received as %s. The CISO and the incident handlers take it from here; you can follow its status in Tugi.", inc.Reference))
}

// notifyHandler tells agent userID that they were named a handler of inc.
func (s *Service) notifyHandler(ctx context.Context, tx *sqlx.Tx, inc *Incident, userID int64) error {
	if s.publicURL == "" {
		return nil
	}
	p, err := NewStore(tx).person(ctx, userID)
	if err != nil || p == nil {
		return err
	}
	return s.send(ctx, tx, inc, *p, "incident.handler", i18n.T(p.Language, "You are a handler of a security incident"),
		i18n.T(p.Language, "The CISO named you a handler of security incident %s.", inc.Reference))
}

// notifyReporter tells inc's reporter that there is news of their report, unless they
// made the change.
func (s *Service) notifyReporter(ctx context.Context, tx *sqlx.Tx, inc *Incident, by int64) error {
	if s.publicURL == "" || inc.ReporterID == by {
		return nil
	}
	p, err := NewStore(tx).person(ctx, inc.ReporterID)
	if err != nil || p == nil {
		return err
	}
	return s.send(ctx, tx, inc, *p, "incident.news", i18n.T(p.Language, "News of your report"),
		i18n.T(p.Language, "There is news of the security incident you reported, %s.", inc.Reference))
}
