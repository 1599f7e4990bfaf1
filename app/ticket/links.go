package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
)

// LinkKind is how two linked tickets relate.
type LinkKind string

// The kinds of link.
const (
	Related   LinkKind = "related"   // about the same matter
	Duplicate LinkKind = "duplicate" // the ticket duplicates the other one
)

// Valid reports whether k is a known kind.
func (k LinkKind) Valid() bool { return k == Related || k == Duplicate }

// Errors of linking that the agent can act on.
var (
	ErrLinkTarget = errors.New("ticket: no ticket with that reference")
	ErrLinkSelf   = errors.New("ticket: a ticket cannot be linked to itself")
	ErrLinkExists = errors.New("ticket: the tickets are linked already")
)

// Link is a link of a ticket to another, as the ticket's page shows it.
type Link struct {
	ID             int64     `db:"id" json:"id"`
	Kind           LinkKind  `db:"kind" json:"kind"`
	Outgoing       bool      `db:"outgoing" json:"outgoing"` // the link was made from this ticket
	OtherID        int64     `db:"other_ticket_id" json:"other_ticket_id"`
	OtherCreatedAt time.Time `db:"other_created_at" json:"other_created_at"`
	OtherSubject   string    `db:"other_subject" json:"other_subject"`
	OtherStatus    Status    `db:"other_status" json:"other_status"`
}

// Label is how the ticket relates to the other one.
func (l Link) Label() string {
	switch {
	case l.Kind == Related:
		return "Related to"
	case l.Outgoing:
		return "Duplicate of"
	}
	return "Duplicated by"
}

// Reference is the other ticket's reference.
func (l Link) Reference() string { return Reference(l.OtherID, l.OtherCreatedAt) }

// direction names the kind of link as seen from one of its tickets, for the audit log.
func (l Link) direction() string {
	switch {
	case l.Kind == Related:
		return "related"
	case l.Outgoing:
		return "duplicate_of"
	}
	return "duplicated_by"
}

// FindTicket returns the id of the ticket that ref names: a reference (T-2026-00012,
// whose year must be the ticket's) or a plain id, if scope may see it; ErrLinkTarget
// otherwise.
func (s *Store) FindTicket(ctx context.Context, scope Scope, ref string) (int64, error) {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "#")
	id, year, isRef := ParseReference(ref)
	if !isRef {
		n, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || n <= 0 {
			return 0, ErrLinkTarget
		}
		id = n
	}
	t, err := s.Get(ctx, scope, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, ErrLinkTarget
	case err != nil:
		return 0, err
	case isRef && t.CreatedAt.In(referenceZone).Year() != year:
		return 0, ErrLinkTarget
	}
	return id, nil
}

// lockPair locks tickets a and b, in id order so that two agents linking the same pair
// from either end wait for each other instead of deadlocking.
func lockPair(ctx context.Context, st *Store, scope Scope, a, b int64) (ta, tb *Ticket, err error) {
	first, second := a, b
	if b < a {
		first, second = b, a
	}
	t1, err := st.Lock(ctx, scope, first)
	if err != nil {
		return nil, nil, err
	}
	t2, err := st.Lock(ctx, scope, second)
	if err != nil {
		return nil, nil, err
	}
	if first == a {
		return t1, t2, nil
	}
	return t2, t1, nil
}

// Link links ticket id to the ticket ref names, for the agent v: related to it, or a
// duplicate of it. Both tickets record ticket.link in the audit log.
func (s *Service) Link(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, ref string, kind LinkKind) error {
	scope := ScopeOf(v)
	if !scope.Staff() {
		return ErrNotAllowed
	}
	if !kind.Valid() {
		return fmt.Errorf("ticket: link kind %q: %w", kind, ErrNotAllowed)
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		other, err := st.FindTicket(ctx, scope, ref)
		if err != nil {
			return err
		}
		if other == id {
			return ErrLinkSelf
		}
		t, o, err := lockPair(ctx, st, scope, id, other)
		if err != nil {
			return err
		}
		var linkID int64
		err = tx.GetContext(ctx, &linkID, insertLink, t.ID, o.ID, kind, v.UserID, s.Now())
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkExists
		}
		if err != nil {
			return fmt.Errorf("ticket store: link %d to %d: %w", t.ID, o.ID, err)
		}
		l := Link{ID: linkID, Kind: kind}
		return recordLink(ctx, tx, actor, "ticket.link", l, t, o)
	})
}

// Unlink removes link linkID of ticket id, for the agent v; both tickets record
// ticket.unlink. A link that is not ticket id's is not found.
func (s *Service) Unlink(ctx context.Context, actor audit.Actor, v *access.Viewer, id, linkID int64) error {
	scope := ScopeOf(v)
	if !scope.Staff() {
		return ErrNotAllowed
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var row struct {
			ID       int64    `db:"id"`
			TicketID int64    `db:"ticket_id"`
			OtherID  int64    `db:"other_id"`
			Kind     LinkKind `db:"kind"`
		}
		err := tx.GetContext(ctx, &row, getLink, linkID, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("ticket store: link %d: %w", linkID, err)
		}
		from, to, err := lockPair(ctx, NewStore(tx), scope, row.TicketID, row.OtherID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, deleteLink, linkID)
		if err != nil {
			return fmt.Errorf("ticket store: unlink %d: %w", linkID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound // removed meanwhile
		}
		return recordLink(ctx, tx, actor, "ticket.unlink", Link{ID: linkID, Kind: row.Kind}, from, to)
	})
}

// recordLink audits a link's change on both of its tickets: from, where it was made, and
// to, where it leads.
func recordLink(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, action string, l Link, from, to *Ticket) error {
	for _, side := range []struct {
		t, other *Ticket
		out      bool
	}{{from, to, true}, {to, from, false}} {
		l.Outgoing = side.out
		change := audit.Change{New: side.other.ID}
		if action == "ticket.unlink" {
			change = audit.Change{Old: side.other.ID}
		}
		err := audit.Record(ctx, tx, actor, audit.Event{Action: action, ObjectType: "ticket",
			ObjectID: strconv.FormatInt(side.t.ID, 10), OrgID: side.t.OrgID,
			Changes: map[string]audit.Change{"linked_ticket_id": change, "link": {New: l.direction()}, "link_id": {New: l.ID}}})
		if err != nil {
			return err
		}
	}
	return nil
}
