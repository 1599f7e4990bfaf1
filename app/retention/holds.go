package retention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/retention/scope"
)

// Hold is a legal hold on one organisation, person or incident.
type Hold struct {
	ID         int64         `db:"id"`
	OrgID      sql.NullInt64 `db:"org_id"`
	UserID     sql.NullInt64 `db:"user_id"`
	IncidentID sql.NullInt64 `db:"incident_id"`
	Subject    string        `db:"subject"` // the organisation's name, the person's name and e-mail, the incident's reference
	Reason     string        `db:"reason"`
	PlacedBy   string        `db:"placed_by"`
	PlacedAt   time.Time     `db:"placed_at"`
	ReleasedBy string        `db:"released_by"`
	ReleasedAt sql.NullTime  `db:"released_at"`
}

// SubjectKind says in lang what the hold is on: an organisation, a person or an incident.
func (h Hold) SubjectKind(lang string) string {
	switch {
	case h.OrgID.Valid:
		return i18n.T(lang, "organisation")
	case h.UserID.Valid:
		return i18n.T(lang, "person")
	}
	return i18n.T(lang, "incident")
}

// Subject is what a new hold is placed on: exactly one of its ids.
type Subject struct {
	OrgID, UserID, IncidentID int64
}

func (s Subject) event() (objectType string, id int64, org int64) {
	switch {
	case s.OrgID != 0:
		return "organisation", s.OrgID, s.OrgID
	case s.UserID != 0:
		return "user", s.UserID, 0
	}
	return "incident", s.IncidentID, 0
}

func (s Subject) valid() bool {
	n := 0
	for _, id := range []int64{s.OrgID, s.UserID, s.IncidentID} {
		if id != 0 {
			n++
		}
	}
	return n == 1
}

func nonZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Holds returns the holds in force, newest first, then the latest released ones.
func (s *Service) Holds(ctx context.Context) ([]Hold, error) {
	var hs []Hold
	if err := s.o.DB.SelectContext(ctx, &hs, selectHolds); err != nil {
		return nil, fmt.Errorf("retention: read the holds: %w", err)
	}
	return hs, nil
}

// PlaceHold places a legal hold on subject for reason, audited as legal_hold.place
// (with the subject's id; the reason stays in the hold, as it may name people).
func (s *Service) PlaceHold(ctx context.Context, actor audit.Actor, subject Subject, reason string) (int64, error) {
	if !subject.valid() {
		return 0, errors.New("retention: a hold is on exactly one organisation, person or incident")
	}
	var id int64
	err := database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, insertHold, nonZero(subject.OrgID), nonZero(subject.UserID), nonZero(subject.IncidentID),
			reason, actor.UserID); err != nil {
			return fmt.Errorf("retention: place the hold: %w", err)
		}
		typ, sid, org := subject.event()
		return audit.Record(ctx, tx, actor, audit.Event{Action: "legal_hold.place", ObjectType: "legal_hold",
			ObjectID: strconv.FormatInt(id, 10), OrgID: org, Changes: map[string]audit.Change{typ: {New: sid}}})
	})
	return id, err
}

// ReleaseHold releases hold id, audited as legal_hold.release.
func (s *Service) ReleaseHold(ctx context.Context, actor audit.Actor, id int64) error {
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		var subject Subject
		row := tx.QueryRowxContext(ctx, releaseHold, id, actor.UserID)
		if err := row.Scan(&subject.OrgID, &subject.UserID, &subject.IncidentID); errors.Is(err, sql.ErrNoRows) {
			var exists bool
			if err := tx.GetContext(ctx, &exists, holdExists, id); err != nil {
				return fmt.Errorf("retention: %w", err)
			}
			if exists {
				return ErrReleased
			}
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("retention: release the hold: %w", err)
		}
		typ, sid, org := subject.event()
		return audit.Record(ctx, tx, actor, audit.Event{Action: "legal_hold.release", ObjectType: "legal_hold",
			ObjectID: strconv.FormatInt(id, 10), OrgID: org, Changes: map[string]audit.Change{typ: {Old: sid}}})
	})
}

// HeldNow returns the subjects of the holds in force, read through q.
func HeldNow(ctx context.Context, q database.Queryer) (scope.Held, error) {
	var row struct {
		Orgs      pq.Int64Array `db:"orgs"`
		Users     pq.Int64Array `db:"users"`
		Incidents pq.Int64Array `db:"incidents"`
	}
	if err := q.GetContext(ctx, &row, selectHeld); err != nil {
		return scope.Held{}, fmt.Errorf("retention: read the holds in force: %w", err)
	}
	return scope.Held{Orgs: row.Orgs, Users: row.Users, Incidents: row.Incidents}, nil
}

// Holds answers whether a legal hold covers a person: what the erasure of a person
// (app/privacy) asks before it erases anyone. Its zero value is ready to use.
type Holds struct{}

// PersonHeld reports whether a hold in force covers person userID (a hold on them, on
// their organisation, or on an incident they reported, own or handle) and the reason of
// the oldest such hold. q may be the transaction of the erasure.
func (Holds) PersonHeld(ctx context.Context, q database.Queryer, userID int64) (held bool, reason string, err error) {
	err = q.GetContext(ctx, &reason, personHold, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("retention: is person %d held: %w", userID, err)
	}
	return true, reason, nil
}

// UserByEmail returns the id of the person with e-mail address email, or ErrNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (int64, error) {
	return s.idOf(ctx, selectUserByEmail, email)
}

// IncidentByReference returns the id of the incident called ref, or ErrNotFound.
func (s *Service) IncidentByReference(ctx context.Context, ref string) (int64, error) {
	return s.idOf(ctx, selectIncidentByReference, ref)
}

func (s *Service) idOf(ctx context.Context, query, arg string) (int64, error) {
	var id int64
	err := s.o.DB.GetContext(ctx, &id, query, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("retention: %w", err)
	}
	return id, nil
}
