package inbound

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"tugi/app/ticket"
)

// Threading: which ticket, if any, a message continues. Headers first (In-Reply-To, then
// References, latest first), then a ticket reference in the subject (T-2026-00123).
// Either is only a claim anyone can write: the match is accepted only when the sender is
// a customer of the ticket's organisation (the requester, or a colleague, who sees the
// ticket in Tugi too). Otherwise the message opens a ticket of its own: one customer's
// mail never lands on another's ticket, whatever its headers or subject say.

// ourID matches the local part of the Message-IDs of Tugi's mail about a ticket:
// "ticket-<id>" (the thread's root) or "ticket-<id>.<random>" (a notice).
var ourID = regexp.MustCompile(`^ticket-([0-9]{1,18})(\.[a-z0-9]+)?$`)

// subjectReference finds a ticket reference in a subject.
var subjectReference = regexp.MustCompile(`\bT-[0-9]{4}-[0-9]{5,18}\b`)

// thread returns the ticket the message continues, or nil.
func (in *intake) thread(ctx context.Context) (*ticket.MailTarget, error) {
	ids := make([]string, 0, len(in.p.InReplyTo)+len(in.p.References))
	ids = append(ids, in.p.InReplyTo...)
	for i := len(in.p.References) - 1; i >= 0; i-- {
		ids = append(ids, in.p.References[i])
	}
	var candidates []int64
	// Tugi's own Message-IDs name their ticket.
	for _, id := range ids {
		local, domain, ok := strings.Cut(id, "@")
		if !ok || !strings.EqualFold(domain, in.s.mailDomain) {
			continue
		}
		if m := ourID.FindStringSubmatch(strings.ToLower(local)); m != nil {
			if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				candidates = append(candidates, n)
			}
		}
	}
	// The customers' own earlier mail on a ticket.
	if len(ids) > 0 {
		var id int64
		err := in.tx.GetContext(ctx, &id, selectTicketOfMail, pq.Array(ids))
		switch {
		case err == nil:
			candidates = append(candidates, id)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	for _, id := range candidates {
		if t, err := in.accept(ctx, id, ""); t != nil || err != nil {
			return t, err
		}
	}
	for _, ref := range subjectReference.FindAllString(in.p.Subject, 3) {
		id, _, ok := ticket.ParseReference(ref)
		if !ok {
			continue
		}
		if t, err := in.accept(ctx, id, ref); t != nil || err != nil {
			return t, err
		}
	}
	return nil, nil
}

// accept returns ticket id if the sender may continue it: a customer of its
// organisation. With ref, the ticket's reference must be ref (the year in it too).
func (in *intake) accept(ctx context.Context, id int64, ref string) (*ticket.MailTarget, error) {
	if in.sender == nil || in.sender.OrgID == nil {
		return nil, nil
	}
	var senderID int64 = in.sender.ID
	t, err := ticket.MailTargetOf(ctx, in.tx, id, senderID)
	if errors.Is(err, ticket.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ref != "" && ticket.Reference(t.ID, t.CreatedAt) != ref {
		return nil, nil
	}
	if t.OrgID != *in.sender.OrgID {
		return nil, nil
	}
	return &t, nil
}
