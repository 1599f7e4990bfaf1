// Package subprocessor keeps the list of the vendor's sub-processors that customers see,
// and tells every customer of a change before it takes effect (GDPR Art. 28(2): a
// processor engages another only after informing the controller, who may object). A new
// sub-processor or the end of one is announced at least NoticeDays ahead, by e-mail to
// every customer contact, in the transaction that records it.
package subprocessor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
	"tugi/app/user"
	"tugi/app/web"
)

// NoticeDays is how many days ahead a change must be announced: customers have this long to
// object before their data goes to a new sub-processor.
const NoticeDays = 30

// Errors of a change.
var (
	ErrTooSoon  = fmt.Errorf("subprocessor: a change must be announced at least %d days ahead", NoticeDays)
	ErrNotYet   = errors.New("subprocessor: one engaged already started today or earlier")
	ErrNotFound = errors.New("subprocessor: no such sub-processor")
	ErrEnded    = errors.New("subprocessor: its last day is set already")
	ErrBadDay   = errors.New("subprocessor: the last day comes before the first")
)

// Subprocessor is one entry of the list.
type Subprocessor struct {
	ID             int64        `db:"id"`
	Name           string       `db:"name"`
	Purpose        string       `db:"purpose"`
	Location       string       `db:"location"`
	StartsOn       time.Time    `db:"starts_on"`
	EndsOn         sql.NullTime `db:"ends_on"`
	AnnouncedAt    time.Time    `db:"announced_at"`
	EndAnnouncedAt sql.NullTime `db:"end_announced_at"`
}

// List is the list as of one day.
type List struct {
	Current  []Subprocessor // engaged on the day (some may have a last day announced)
	Upcoming []Subprocessor // announced, starting later
	Past     []Subprocessor // ended before the day
}

// Service reads and changes the list.
type Service struct {
	db      *sqlx.DB
	now     func() time.Time
	baseURL string
}

// New returns the service on db; now is time.Now when nil. baseURL is Tugi's public
// address, for the link in the notices.
func New(db *sqlx.DB, now func() time.Time, baseURL string) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, baseURL: baseURL}
}

// Today is the day in the support calendar's zone, as a date at midnight UTC (how dates
// come from the database).
func (s *Service) Today() time.Time {
	y, m, d := s.now().In(audit.Zone()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EarliestChange is the first day a change announced now may take effect.
func (s *Service) EarliestChange() time.Time { return s.Today().AddDate(0, 0, NoticeDays) }

// List returns the list as of today.
func (s *Service) List(ctx context.Context) (List, error) {
	var all []Subprocessor
	if err := s.db.SelectContext(ctx, &all, selectAll); err != nil {
		return List{}, fmt.Errorf("subprocessor: list: %w", err)
	}
	today := s.Today()
	var l List
	for _, sp := range all {
		switch {
		case sp.EndsOn.Valid && sp.EndsOn.Time.Before(today):
			l.Past = append(l.Past, sp)
		case sp.StartsOn.After(today):
			l.Upcoming = append(l.Upcoming, sp)
		default:
			l.Current = append(l.Current, sp)
		}
	}
	return l, nil
}

// Add announces a new sub-processor, engaged from startsOn (at least NoticeDays ahead),
// and mails every customer contact of it.
func (s *Service) Add(ctx context.Context, actor audit.Actor, sp Subprocessor) (int64, error) {
	if sp.StartsOn.Before(s.EarliestChange()) {
		return 0, ErrTooSoon
	}
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, insertOne, sp.Name, sp.Purpose, sp.Location, sp.StartsOn); err != nil {
			return fmt.Errorf("subprocessor: add: %w", err)
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "subprocessor.announce", ObjectType: "subprocessor",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{
				"name": {New: sp.Name}, "purpose": {New: sp.Purpose}, "location": {New: sp.Location},
				"starts_on": {New: sp.StartsOn.Format(time.DateOnly)}}}); err != nil {
			return err
		}
		return s.tell(ctx, tx, id, func(lang string) (string, string) {
			day := web.DayIn(lang, sp.StartsOn)
			return i18n.T(lang, "Tugi: a new sub-processor from %s", day),
				i18n.T(lang, "From %[1]s, %[2]s (%[3]s) will process personal data for us as a sub-processor: %[4]s.\n\nYou may object until then by answering this message or writing to support.\n\nThe list of our sub-processors: %[5]s/subprocessors\n",
					day, sp.Name, sp.Location, sp.Purpose, s.baseURL)
		})
	})
	return id, err
}

// Record enters a sub-processor engaged before Tugi kept the list, since startsOn (today or
// earlier): the one customers agreed to in their data processing agreements, so nobody is
// told of it again.
func (s *Service) Record(ctx context.Context, actor audit.Actor, sp Subprocessor) (int64, error) {
	if sp.StartsOn.After(s.Today()) {
		return 0, ErrNotYet
	}
	var id int64
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, insertOne, sp.Name, sp.Purpose, sp.Location, sp.StartsOn); err != nil {
			return fmt.Errorf("subprocessor: record: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "subprocessor.record", ObjectType: "subprocessor",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{
				"name": {New: sp.Name}, "purpose": {New: sp.Purpose}, "location": {New: sp.Location},
				"starts_on": {New: sp.StartsOn.Format(time.DateOnly)}}})
	})
	return id, err
}

// End announces the last day of a sub-processor (at least NoticeDays ahead, so that
// customers know where their data stops going) and mails every customer contact of it.
func (s *Service) End(ctx context.Context, actor audit.Actor, id int64, endsOn time.Time) error {
	if endsOn.Before(s.EarliestChange()) {
		return ErrTooSoon
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var sp Subprocessor
		if err := tx.GetContext(ctx, &sp, selectOne+` FOR UPDATE`, id); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("subprocessor: %w", err)
		}
		if sp.EndsOn.Valid {
			return ErrEnded
		}
		if endsOn.Before(sp.StartsOn) {
			return ErrBadDay
		}
		if _, err := tx.ExecContext(ctx, setEnd, id, endsOn); err != nil {
			return fmt.Errorf("subprocessor: end: %w", err)
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "subprocessor.end", ObjectType: "subprocessor",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"ends_on": {New: endsOn.Format(time.DateOnly)}}}); err != nil {
			return err
		}
		return s.tell(ctx, tx, id, func(lang string) (string, string) {
			day := web.DayIn(lang, endsOn)
			return i18n.T(lang, "Tugi: a sub-processor ends on %s", day),
				i18n.T(lang, "After %[1]s, %[2]s (%[3]s) will no longer process personal data for us (%[4]s).\n\nThe list of our sub-processors: %[5]s/subprocessors\n",
					day, sp.Name, sp.Location, sp.Purpose, s.baseURL)
		})
	})
}

// tell mails every active customer contact of the change, in their language (notice
// gives the subject and text), through the outbox in tx.
func (s *Service) tell(ctx context.Context, tx *sqlx.Tx, id int64, notice func(lang string) (subject, text string)) error {
	people, err := user.WithRoles(ctx, tx, access.Customer)
	if err != nil {
		return err
	}
	for _, p := range people {
		subject, text := notice(p.Language)
		if _, err := mail.Enqueue(ctx, tx, mail.Message{
			To: mail.Address{Name: p.Name, Email: p.Email}, Subject: subject, Text: text,
			Kind: "subprocessor.notice", ObjectType: "subprocessor", ObjectID: strconv.FormatInt(id, 10), UserID: p.ID,
		}); err != nil {
			return err
		}
	}
	return nil
}
