package chat

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/web"
)

// MailTranscript queues the transcript of chat id to its customer v, on their request,
// through the outbox in the transaction of its audit event (chat.mail_transcript).
func (s *Service) MailTranscript(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	c, err := s.Get(ctx, v, id)
	if err != nil {
		return err
	}
	if partyOf(v, c) != customer {
		return ErrNotAllowed
	}
	ms, err := s.Messages(ctx, c)
	if err != nil {
		return err
	}
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return err
	}
	lang := c.CustomerLang
	loc := cal.Location()
	var b strings.Builder
	b.WriteString(i18n.T(lang, "Your chat with support, started %s.", web.DateIn(lang, c.CreatedAt.In(loc))))
	b.WriteString("\n\n")
	for _, m := range ms {
		b.WriteString("[" + m.CreatedAt.In(loc).Format("15:04") + "] " + m.Author + ":\n")
		if m.Body != "" {
			b.WriteString(m.Body + "\n")
		}
		for _, f := range m.Files {
			b.WriteString("📎 " + f.Filename + "\n")
		}
		b.WriteString("\n")
	}
	if s.publicURL != "" {
		b.WriteString(s.publicURL + c.Path() + "\n")
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := mail.Enqueue(ctx, tx, mail.Message{To: mail.Address{Email: c.CustomerEmail, Name: c.Customer},
			Subject: i18n.T(lang, "Your chat with support"), Text: b.String(), Thread: mail.ThreadOf("chat", strconv.FormatInt(c.ID, 10)),
			Kind: "chat.transcript", ObjectType: "chat", ObjectID: strconv.FormatInt(c.ID, 10), OrgID: c.OrgID, UserID: c.CustomerID}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, event("chat.mail_transcript", c, nil))
	})
}
