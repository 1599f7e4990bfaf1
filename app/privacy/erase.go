// Package privacy carries out a person's rights over their data (GDPR Art. 15, 17, 20):
// the export of everything Tugi holds about a person, and their erasure, with a preview.
// Each feature erases what it owns (a function ErasePerson in its personal.go, given a
// person.Erasure), all in one transaction with the erasure's audit event; the audit log's
// values that name the person are shredded by destroying their data key (app/audit). The
// registry (registry.go) classifies every column of the database, so a new one is not
// forgotten. See docs/data-protection.md.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/backup"
	"tugi/app/blob"
	"tugi/app/chat"
	"tugi/app/database"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/mail"
	"tugi/app/privacy/person"
	"tugi/app/ticket"
	"tugi/app/user"
)

// Holds tells whether a legal hold covers a person's records (app/retention keeps the
// holds): erasure is refused while one does, with its reason.
type Holds interface {
	PersonHeld(ctx context.Context, q database.Queryer, userID int64) (held bool, reason string, err error)
}

// Errors of an erasure that is refused.
var (
	ErrAlreadyErased = errors.New("this person was erased already")
	ErrSelf          = errors.New("you cannot erase yourself")
	ErrAdmin         = errors.New("an admin cannot be erased: take the admin role away first")
)

// HeldError refuses an erasure while a legal hold covers the person's records.
type HeldError struct{ Reason string }

func (e *HeldError) Error() string {
	return "a legal hold covers this person's records: " + e.Reason
}

// BackupsKeep is how long the backups keep what an erasure removed: the last seven daily
// backups (app/backup.Keep), as the vendor's sheet says.
const BackupsKeep = backup.Keep * 24 * time.Hour

// BackupsSentence is what the erasure's confirmation and its audit event say of backups.
const BackupsSentence = "Backups keep the erased data seven more days: a backup is made every 24 hours and the last seven are kept, so it takes seven calendar days before the data cannot be recovered from a backup."

// Choice is what the admin chose to remove, per kind of text; what is not removed is kept
// with the person's name and address replaced by the pseudonym.
type Choice struct {
	RemoveTicketText   bool
	RemoveChatText     bool
	RemoveIncidentText bool
	RemoveRawMail      bool
}

// RemoveAll removes every kind of text.
var RemoveAll = Choice{true, true, true, true}

// kinds lists the choice's kinds by name, as the log, the form and the command name them.
func (c Choice) kinds() []string {
	var out []string
	for _, k := range []struct {
		name string
		on   bool
	}{{"ticket", c.RemoveTicketText}, {"chat", c.RemoveChatText}, {"incident", c.RemoveIncidentText}, {"mail", c.RemoveRawMail}} {
		if k.on {
			out = append(out, k.name)
		}
	}
	return out
}

// Outcome is what an erasure changed, or, for a preview, would change.
type Outcome struct {
	UserID       int64
	Name, Email  string // who it is (before the erasure)
	Alias        string // the pseudonym they become
	AliasEmail   string
	Counts       person.Counts
	Files        blob.Collected // file contents deleted
	KeyDestroyed bool           // their data key existed and was destroyed
	BackupsUntil time.Time      // when the last backup holding their data is removed
}

// Service erases people.
type Service struct {
	db    *sqlx.DB
	holds Holds
	now   func() time.Time
}

// New returns the service; holds decides what legal holds cover.
func New(db *sqlx.DB, holds Holds, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, holds: holds, now: now}
}

// Preview returns what erasing the person userID with choice would change, by running
// the erasure in a transaction that is rolled back: the counts are those of the real
// thing. A refusal (held, an admin...) is its error.
func (s *Service) Preview(ctx context.Context, userID int64, choice Choice, by *access.Viewer) (*Outcome, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("privacy: preview: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a preview changes nothing
	return s.erase(ctx, tx, userID, choice, by)
}

// Erase erases the person userID as choice says, in one transaction with its audit event
// (person.erase) by actor; by is the person asking (nil for the command line).
func (s *Service) Erase(ctx context.Context, actor audit.Actor, userID int64, choice Choice, by *access.Viewer) (*Outcome, error) {
	var out *Outcome
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if out, err = s.erase(ctx, tx, userID, choice, by); err != nil {
			return err
		}
		changes := map[string]audit.Change{
			"removed_text":       {New: choice.kinds()},
			"file_contents":      {New: out.Files.Blobs},
			"key_destroyed":      {New: out.KeyDestroyed},
			"backups":            {New: BackupsSentence},
			"backups_keep_until": {New: out.BackupsUntil.UTC().Format(time.RFC3339)},
		}
		for k, n := range out.Counts {
			changes[k] = audit.Change{New: n}
		}
		ev := audit.Event{Action: "person.erase", ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10), Changes: changes}
		if u, err := user.NewStore(tx).ByID(ctx, userID); err == nil && u.OrgID != nil {
			ev.OrgID = *u.OrgID
		}
		return audit.Record(ctx, tx, actor, ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// erase does the erasure in tx.
func (s *Service) erase(ctx context.Context, tx *sqlx.Tx, userID int64, choice Choice, by *access.Viewer) (*Outcome, error) {
	u, err := user.NewStore(tx).ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	e := person.Erasure{UserID: u.ID, Name: u.Name, Email: strings.ToLower(u.Email),
		Alias: person.Pseudonym(u.ID), AliasEmail: person.PseudonymEmail(u.ID),
		RemoveTicketText: choice.RemoveTicketText, RemoveChatText: choice.RemoveChatText,
		RemoveIncidentText: choice.RemoveIncidentText, RemoveRawMail: choice.RemoveRawMail}
	switch {
	case e.Email == e.AliasEmail:
		return nil, ErrAlreadyErased
	case by != nil && by.UserID == u.ID:
		return nil, ErrSelf
	case slices.Contains(u.Roles, access.Admin):
		return nil, ErrAdmin
	}
	held, reason, err := s.holds.PersonHeld(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	if held {
		return nil, &HeldError{Reason: reason}
	}
	out := &Outcome{UserID: u.ID, Name: u.Name, Email: u.Email, Alias: e.Alias, AliasEmail: e.AliasEmail,
		Counts: person.Counts{}, BackupsUntil: s.now().Add(BackupsKeep)}
	var files []string
	for _, erase := range []func(context.Context, database.Queryer, person.Erasure, person.Counts) ([]string, error){
		ticket.ErasePerson, chat.ErasePerson, incident.ErasePerson, inbound.ErasePerson,
	} {
		f, err := erase(ctx, tx, e, out.Counts)
		if err != nil {
			return nil, err
		}
		files = append(files, f...)
	}
	for _, erase := range []func(context.Context, database.Queryer, person.Erasure, person.Counts) error{
		mail.ErasePerson, auth.ErasePerson, user.ErasePerson,
	} {
		if err := erase(ctx, tx, e, out.Counts); err != nil {
			return nil, err
		}
	}
	slices.Sort(files)
	if out.Files, err = blob.DeleteUnnamed(ctx, tx, slices.Compact(files)); err != nil {
		return nil, err
	}
	if out.KeyDestroyed, err = audit.ShredPersonKey(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	return out, nil
}
