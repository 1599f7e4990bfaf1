package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Tallinn must be found on any machine

	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/database"
)

// TimeZone is the zone in which the audit pages read dates and show times: the support
// calendar's.
const TimeZone = "Europe/Tallinn"

// zone is TimeZone, loaded once (from time/tzdata when the system has no zoneinfo).
var zone = func() *time.Location {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		panic("audit: " + err.Error())
	}
	return loc
}()

// Zone returns TimeZone's location.
func Zone() *time.Location { return zone }

// Named is an id and its name: an organisation, for the audit page's filter.
type Named struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Scope is the part of the log a person may read.
type Scope int

const (
	// ScopeNone: nothing (customers, employees, agents).
	ScopeNone Scope = iota
	// ScopeAdmin: events about people, organisations and settings, and sign-ins and
	// sign-outs (auth.*), the administration an admin answers for; never an event about
	// a ticket or an incident.
	ScopeAdmin
	// ScopeAll: the whole log (the CISO).
	ScopeAll
)

// ScopeOf decides what part of the log v may read. It is the one place that decides it:
// the audit page, its export and their tests go through it.
func ScopeOf(v *access.Viewer) Scope {
	switch {
	case v.Has(access.CISO):
		return ScopeAll
	case v.Has(access.Admin):
		return ScopeAdmin
	}
	return ScopeNone
}

// Filter selects events for the audit page and its export. Zero values select everything.
type Filter struct {
	ActorUserID int64  // the person who acted
	ActorJob    string // or the job that acted
	Action      string
	ObjectType  string
	ObjectID    string
	OrgID       int64
	From, To    time.Time // events at or after From, and before To
	Before      int64     // keyset paging: only events with a seq below this
	Limit       int       // at most this many (default 50)
}

// Entry is one event as pages show it.
type Entry struct {
	Seq         int64          `db:"seq"`
	At          time.Time      `db:"at"`
	ActorUserID sql.NullInt64  `db:"actor_user_id"`
	ActorRoles  pq.StringArray `db:"actor_roles"`
	ActorJob    string         `db:"actor_job"`
	ClientIP    string         `db:"client_ip"`
	RequestID   string         `db:"request_id"`
	Action      string         `db:"action"`
	ObjectType  string         `db:"object_type"`
	ObjectID    string         `db:"object_id"`
	OrgID       sql.NullInt64  `db:"org_id"`
	RawChanges  []byte         `db:"changes"` // the JSON as stored
	Hash        []byte         `db:"hash"`

	// Filled in by Describe, for people to read.
	Label     string        // the action, in the reader's language
	ActorName string        // the person's current name; "" for a job or an unknown id
	OrgName   string        // the organisation's name
	Changes   []FieldChange // RawChanges, field by field
	// Set by a page for its viewer: the address of the page of the object, "" when
	// there is none or the viewer may not open it.
	ObjectLink string
}

// FieldChange is one field of an event's changes, as text.
type FieldChange struct {
	Field, Old, New string
}

// List returns the events f selects within scope, newest first, and whether older ones
// follow. ScopeNone reads nothing.
func List(ctx context.Context, q database.Queryer, scope Scope, f Filter) ([]Entry, bool, error) {
	if scope == ScopeNone {
		return nil, false, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	null := func(v any, set bool) any {
		if !set {
			return nil
		}
		return v
	}
	var es []Entry
	err := q.SelectContext(ctx, &es, listEvents,
		null(f.ActorUserID, f.ActorUserID != 0), null(f.ActorJob, f.ActorJob != ""), null(f.Action, f.Action != ""),
		null(f.ObjectType, f.ObjectType != ""), null(f.ObjectID, f.ObjectID != ""), null(f.OrgID, f.OrgID != 0),
		null(f.From, !f.From.IsZero()), null(f.To, !f.To.IsZero()), null(f.Before, f.Before != 0),
		scope == ScopeAdmin, f.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("audit: list events: %w", err)
	}
	if len(es) > f.Limit {
		return es[:f.Limit], true, nil
	}
	return es, false, nil
}

// History returns the newest limit events about one object (a user, a ticket, an
// incident), newest first, for the object's own page: each with what the page shows,
// without ActorRoles, ClientIP, RequestID and Hash. Whether the reader may see that
// object is for its feature to decide before calling.
func History(ctx context.Context, q database.Queryer, objectType, objectID string, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, historyEvents, objectType, objectID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: history of %s %s: %w", objectType, objectID, err)
	}
	es, err := scanHistory(rows, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("audit: history of %s %s: %w", objectType, objectID, err)
	}
	return es, nil
}

// Namer names the people and organisations the log refers to by id. The log keeps ids
// only; pages show the names the directory (app/user) has for them now.
type Namer interface {
	Names(ctx context.Context, userIDs, orgIDs []int64) (people, orgs map[int64]string, err error)
}

// Describe prepares entries for people to read, in lang: the action's label from actions,
// the names of the person and the organisation (when names is not nil), the changes field
// by field, and the time in TimeZone.
func Describe(ctx context.Context, names Namer, actions *Actions, lang string, es []Entry) error {
	if names != nil && len(es) > 0 {
		var users, orgs []int64
		for _, e := range es {
			if e.ActorUserID.Valid {
				users = append(users, e.ActorUserID.Int64)
			}
			if e.OrgID.Valid {
				orgs = append(orgs, e.OrgID.Int64)
			}
		}
		slices.Sort(users)
		slices.Sort(orgs)
		people, orgNames, err := names.Names(ctx, slices.Compact(users), slices.Compact(orgs))
		if err != nil {
			return err
		}
		for i := range es {
			es[i].ActorName = people[es[i].ActorUserID.Int64]
			es[i].OrgName = orgNames[es[i].OrgID.Int64]
		}
	}
	for i := range es {
		e := &es[i]
		e.At = e.At.In(zone)
		e.Label = actions.Label(lang, e.Action)
		e.Changes = fieldChanges(e.RawChanges)
	}
	return nil
}

// fieldChanges turns the stored changes into text, field by field in name order.
func fieldChanges(raw []byte) []FieldChange {
	var m map[string]struct {
		Old json.RawMessage `json:"old"`
		New json.RawMessage `json:"new"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		if s := strings.TrimSpace(string(raw)); s != "" && s != "{}" {
			return []FieldChange{{Field: "", New: s}}
		}
		return nil
	}
	out := make([]FieldChange, 0, len(m))
	for k, v := range m {
		out = append(out, FieldChange{Field: k, Old: valueText(v.Old), New: valueText(v.New)})
	}
	slices.SortFunc(out, func(a, b FieldChange) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// valueText shows a JSON value: a string without quotes, a list of strings separated by
// commas, a number or true or false as written, anything else as compact JSON; nothing
// for null or absent. Most values are ids, which it shows without decoding them.
func valueText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '[':
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			return strings.Join(list, ", ")
		}
	case '{':
		if _, ok := asSealed(raw); ok {
			return sealedText // Unseal opens it
		}
	default:
		return string(raw)
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}
