package mail

import (
	"context"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/mail owns. $1 is the person, $2 their
// address (lower case), $3 the pattern of their name and address, $4 the pseudonym, $5 the
// pseudonym address.
const (
	// Mail to them: addressed to the pseudonym, the text cleared; what was not sent yet is
	// given up (the worker sends neither failed nor sent mail).
	eraseMailTo = `
UPDATE mail_outbox
SET to_address = $5, to_name = $4, subject = regexp_replace(subject, $3, $4, 'gi'), body_text = '',
    last_error = CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 'the recipient was erased' ELSE last_error END,
    failed_at = CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN now() ELSE failed_at END
WHERE user_id = $1 OR lower(to_address) = $2`
	// Mail to others that names them (a notice of their reply, a copy to a colleague): $1
	// the pattern, $2 the pseudonym.
	redactMailAbout = `
UPDATE mail_outbox
SET to_name = regexp_replace(to_name, $1, $2, 'gi'), subject = regexp_replace(subject, $1, $2, 'gi'),
    body_text = regexp_replace(body_text, $1, $2, 'gi'), last_error = regexp_replace(last_error, $1, $2, 'gi')
WHERE to_name ~* $1 OR subject ~* $1 OR body_text ~* $1 OR last_error ~* $1`
)

// ErasePerson applies e to the mail outbox through q, the erasure's transaction.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) error {
	args := []any{e.UserID, e.Email, e.Pattern(), e.Alias, e.AliasEmail}
	return person.Run(ctx, q, "mail", c,
		person.Step{Kind: "mail_to_person.cleared", SQL: eraseMailTo, Args: args},
		person.Step{Kind: "mail_about_person.name_replaced", SQL: redactMailAbout, Args: []any{e.Pattern(), e.Alias}})
}
