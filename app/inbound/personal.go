package inbound

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/inbound owns. $1 is the person, $2
// their address (lower case); the person's mail is what they sent (sender_id) or what came
// from their address.
const (
	eraseRawMail = `
DELETE FROM inbound_mail WHERE sender_id = $1 OR lower(from_address) = $2
RETURNING raw_sha256`
	// $3 the pattern of their name and address, $4 the pseudonym, $5 the pseudonym address.
	pseudonymiseMail = `
UPDATE inbound_mail
SET from_address = $5, from_name = $4, subject = regexp_replace(subject, $3, $4, 'gi'),
    reason = regexp_replace(reason, $3, $4, 'gi')
WHERE sender_id = $1 OR lower(from_address) = $2`
	eraseBounces = `DELETE FROM mail_bounces WHERE address = $1`
)

// ErasePerson applies e to the mail the person sent in, through q, the erasure's
// transaction: with e.RemoveRawMail its intake records go with the raw messages (whose
// contents it returns, for app/blob to delete), otherwise the records keep the raw message
// and show the pseudonym for the sender. Bounces recorded for their address are forgotten.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) ([]string, error) {
	if err := person.Run(ctx, q, "inbound", c, person.Step{Kind: "mail_bounces.removed", SQL: eraseBounces, Args: []any{e.Email}}); err != nil {
		return nil, err
	}
	if !e.RemoveRawMail {
		return nil, person.Run(ctx, q, "inbound", c, person.Step{Kind: "inbound_mail.pseudonymised", SQL: pseudonymiseMail,
			Args: []any{e.UserID, e.Email, e.Pattern(), e.Alias, e.AliasEmail}})
	}
	var files []string
	if err := q.SelectContext(ctx, &files, eraseRawMail, e.UserID, e.Email); err != nil {
		return nil, fmt.Errorf("inbound: erase the mail of %d: %w", e.UserID, err)
	}
	c.Add("inbound_mail.deleted", int64(len(files)))
	return files, nil
}
