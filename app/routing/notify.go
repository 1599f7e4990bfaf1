package routing

import (
	"context"
	"fmt"
	"strconv"

	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
)

// Concern is a new ticket about a security concern, as the CISO is told of it.
type Concern struct {
	TicketID  int64
	OrgID     int64
	Reference string // T-2026-00123
	Subject   string
	URL       string // the ticket's page
}

// NotifyCISO queues an e-mail about the concern to every active CISO, in their language,
// through q: the transaction that creates the ticket. It says only the ticket's reference,
// subject and address: the customer's description stays in Tugi.
func NotifyCISO(ctx context.Context, q database.Queryer, c Concern) error {
	var people []struct {
		ID       int64  `db:"id"`
		Name     string `db:"name"`
		Email    string `db:"email"`
		Language string `db:"language"`
	}
	if err := q.SelectContext(ctx, &people, listCISOs); err != nil {
		return fmt.Errorf("routing: CISOs: %w", err)
	}
	id := strconv.FormatInt(c.TicketID, 10)
	for _, p := range people {
		m := mail.Message{
			To:      mail.Address{Name: p.Name, Email: p.Email},
			Subject: "[" + c.Reference + "] " + i18n.T(p.Language, "Security concern: %s", c.Subject),
			Text: i18n.T(p.Language, "A customer reported a security concern in ticket %s. It went to the User Support team.", c.Reference) +
				"\n\n" + i18n.T(p.Language, "Open the ticket: %s", c.URL) + "\n",
			Thread: mail.ThreadOf("ticket", id), Kind: "ticket.security_concern",
			ObjectType: "ticket", ObjectID: id, OrgID: c.OrgID, UserID: p.ID,
		}
		if _, err := mail.Enqueue(ctx, q, m); err != nil {
			return err
		}
	}
	return nil
}
