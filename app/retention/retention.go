// Package retention keeps each kind of data only as long as its rule says, and never what
// a legal hold covers. A rule per kind (closed tickets, ended chats, files, closed
// incidents, sign-in sessions, raw inbound mail) holds the days its data is kept, by
// default and, for kinds bound to an organisation, for one organisation; a legal hold on
// an organisation, a person or an incident keeps everything it covers and stops the
// erasure of a person it covers (PersonHeld). The daily job retention.apply removes what
// has expired through each owning feature's own function (app/ticket, app/chat,
// app/incident, app/inbound, app/auth: no package here writes their tables), audited,
// and records its figures; the page /admin/retention sets the rules and holds and shows
// what the next run would remove. Files' contents then go with blob.collect.
package retention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/retention/scope"
)

// Kind is a kind of data a rule keeps.
type Kind string

// The kinds of data retention removes.
const (
	Tickets     Kind = "tickets"
	Chats       Kind = "chats"
	Attachments Kind = "attachments"
	Incidents   Kind = "incidents"
	Signins     Kind = "signins"
	Mail        Kind = "mail"
)

// KindInfo says what a kind is, for the page and the checks.
type KindInfo struct {
	Kind Kind
	// OrgBound kinds may have a rule per organisation.
	OrgBound bool
	// MinDays is the shortest period a rule may set: a slip of the keyboard must not
	// remove a customer's records of last week.
	MinDays int
}

// MaxDays is the longest period a rule may set (a hundred years); longer is "for ever".
const MaxDays = 36500

// Kinds are the kinds, in the order the page lists them.
var Kinds = []KindInfo{
	{Kind: Tickets, OrgBound: true, MinDays: 30},
	{Kind: Chats, OrgBound: true, MinDays: 30},
	{Kind: Attachments, OrgBound: true, MinDays: 30},
	{Kind: Incidents, MinDays: 365},
	{Kind: Mail, OrgBound: true, MinDays: 7},
	{Kind: Signins, MinDays: 7},
}

// applyOrder is the order a run removes the kinds in: each kind's selection is then the
// same before and after the kinds removed earlier in the run, so that the preview (every
// kind counted in one snapshot) is what a run removes. Files and raw mail go before the
// tickets and chats that may hold them (and count as files and mail); a ticket an
// incident names waits for the incident, to go in the run after it.
var applyOrder = []Kind{Attachments, Mail, Signins, Tickets, Chats, Incidents}

// Info returns the kind's description and whether k is a kind.
func Info(k Kind) (KindInfo, bool) {
	for _, i := range Kinds {
		if i.Kind == k {
			return i, true
		}
	}
	return KindInfo{}, false
}

// Rule is how long one kind of data is kept: by default (no organisation) or for one
// organisation.
type Rule struct {
	Kind      Kind          `db:"kind"`
	OrgID     sql.NullInt64 `db:"org_id"`
	OrgName   string        `db:"org_name"`
	Days      sql.NullInt64 `db:"days"` // NULL: for ever
	UpdatedAt time.Time     `db:"updated_at"`
}

// Errors of the service, which the page shows beside a field.
var (
	ErrNotFound   = errors.New("retention: no such rule or hold")
	ErrReleased   = errors.New("retention: the hold was released already")
	ErrNotOrgKind = errors.New("retention: this kind has no rule per organisation")
)

// Options are what a Service is built from.
type Options struct {
	DB  *sqlx.DB
	Now func() time.Time // time.Now when nil
	Log *slog.Logger
	// Batch is how many things one transaction of a run removes (default 500).
	Batch int
}

// Service keeps the rules and holds, previews and applies them.
type Service struct {
	o Options
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	return &Service{o: o}
}

// Rules returns every rule: the defaults, one per kind, then the organisations'.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	var rules []Rule
	if err := s.o.DB.SelectContext(ctx, &rules, selectRules); err != nil {
		return nil, fmt.Errorf("retention: read the rules: %w", err)
	}
	return rules, nil
}

// SetDefaults sets how many days (nil: for ever) each kind in days is kept by default, in
// one transaction, each change audited as retention.rule_set.
func (s *Service) SetDefaults(ctx context.Context, actor audit.Actor, days map[Kind]*int) error {
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		for _, k := range Kinds {
			if d, ok := days[k.Kind]; ok {
				if err := setRule(ctx, tx, actor, k.Kind, 0, d); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SetOverride sets how many days (nil: for ever) kind is kept for organisation org,
// audited as retention.rule_set when it changes.
func (s *Service) SetOverride(ctx context.Context, actor audit.Actor, kind Kind, org int64, days *int) error {
	if info, ok := Info(kind); !ok || !info.OrgBound || org == 0 {
		return ErrNotOrgKind
	}
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		return setRule(ctx, tx, actor, kind, org, days)
	})
}

func setRule(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, kind Kind, org int64, days *int) error {
	var old sql.NullInt64
	err := tx.GetContext(ctx, &old, lockRule, kind, orgArg(org))
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("retention: read the rule: %w", err)
	}
	if exists && old.Valid == (days != nil) && (days == nil || old.Int64 == int64(*days)) {
		return nil // unchanged
	}
	if _, err := tx.ExecContext(ctx, upsertRule, kind, orgArg(org), days, nonZero(actor.UserID)); err != nil {
		return fmt.Errorf("retention: set the rule: %w", err)
	}
	ch := audit.Change{New: daysValue(days)}
	if exists {
		ch.Old = daysValue(nullDays(old))
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "retention.rule_set", ObjectType: "retention_rule",
		ObjectID: ruleID(kind, org), OrgID: org, Changes: map[string]audit.Change{"days": ch}})
}

// RemoveRule removes organisation org's own rule for kind: the default applies again.
func (s *Service) RemoveRule(ctx context.Context, actor audit.Actor, kind Kind, org int64) error {
	return database.WithTx(ctx, s.o.DB, func(tx *sqlx.Tx) error {
		var old sql.NullInt64
		if err := tx.GetContext(ctx, &old, lockRule, kind, orgArg(org)); errors.Is(err, sql.ErrNoRows) || org == 0 {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("retention: read the rule: %w", err)
		}
		if _, err := tx.ExecContext(ctx, deleteRule, kind, org); err != nil {
			return fmt.Errorf("retention: remove the rule: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "retention.rule_removed", ObjectType: "retention_rule",
			ObjectID: ruleID(kind, org), OrgID: org, Changes: map[string]audit.Change{"days": {Old: daysValue(nullDays(old))}}})
	})
}

// cutoffs turns the rules into each kind's cutoffs as of now.
func cutoffs(rules []Rule, now time.Time) map[Kind]scope.Cutoffs {
	out := map[Kind]scope.Cutoffs{}
	for _, k := range Kinds {
		out[k.Kind] = scope.Cutoffs{Orgs: map[int64]time.Time{}}
	}
	cut := func(days sql.NullInt64) time.Time {
		if !days.Valid {
			return time.Time{}
		}
		return now.Add(-time.Duration(days.Int64) * 24 * time.Hour)
	}
	for _, r := range rules {
		c := out[r.Kind]
		if r.OrgID.Valid {
			c.Orgs[r.OrgID.Int64] = cut(r.Days)
		} else {
			c.Default = cut(r.Days)
		}
		out[r.Kind] = c
	}
	return out
}

func orgArg(org int64) any {
	if org == 0 {
		return nil
	}
	return org
}

func ruleID(kind Kind, org int64) string {
	if org == 0 {
		return string(kind)
	}
	return fmt.Sprintf("%s/%d", kind, org)
}

func nullDays(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	d := int(n.Int64)
	return &d
}

// daysValue is a rule's days as the audit log keeps them: a number, or "forever".
func daysValue(days *int) any {
	if days == nil {
		return "forever"
	}
	return *days
}

// Label names the rule's kind in lang.
func (r Rule) Label(lang string) string { return r.Kind.Label(lang) }

// Label names the kind in lang.
func (k Kind) Label(lang string) string {
	switch k {
	case Incidents:
		return i18n.T(lang, "Closed incidents")
	case Tickets:
		return i18n.T(lang, "Closed tickets, with their messages and files")
	case Chats:
		return i18n.T(lang, "Ended chats, with their messages and files")
	case Attachments:
		return i18n.T(lang, "Files of tickets and chats (the messages stay)")
	case Mail:
		return i18n.T(lang, "Inbound e-mail as received (the ticket's messages stay)")
	case Signins:
		return i18n.T(lang, "Sign-in sessions (address and browser)")
	}
	return string(k)
}

// From says in lang what the kind's days count from.
func (k Kind) From(lang string) string {
	switch k {
	case Incidents, Tickets:
		return i18n.T(lang, "days after closing")
	case Chats:
		return i18n.T(lang, "days after the chat ended")
	case Attachments:
		return i18n.T(lang, "days after upload")
	case Mail:
		return i18n.T(lang, "days after receipt")
	}
	return i18n.T(lang, "days after signing in")
}
