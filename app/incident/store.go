package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tugi/app/database"
)

// ErrNotFound is returned for an incident that does not exist or that the viewer may not
// see: the two are never told apart.
var ErrNotFound = errors.New("incident: not found")

// Store reads and writes incidents and their rows. Every read takes the Scope of the
// person it is for (scope.go). Make one per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// Get returns incident id if scope may see it, with the scope's Access to it, and
// ErrNotFound otherwise.
func (st *Store) Get(ctx context.Context, scope Scope, id int64) (*Incident, error) {
	return st.get(ctx, getIncident, scope, id)
}

// Lock locks incident id until the transaction ends and returns it, if scope may see
// it; ErrNotFound otherwise. Every change of an incident starts here.
func (st *Store) Lock(ctx context.Context, scope Scope, id int64) (*Incident, error) {
	return st.get(ctx, lockIncident, scope, id)
}

func (st *Store) get(ctx context.Context, query string, scope Scope, id int64) (*Incident, error) {
	if scope.None() {
		return nil, ErrNotFound
	}
	var inc Incident
	err := st.q.GetContext(ctx, &inc, query, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("incident store: get %d: %w", id, err)
	}
	return &inc, nil
}

// Row is an incident as lists show it.
type Row struct {
	ID         int64     `db:"id"`
	Reference  string    `db:"reference"`
	Summary    string    `db:"summary"`
	State      State     `db:"state"`
	Severity   *Severity `db:"severity"`
	ReportedAt time.Time `db:"reported_at"`
	UpdatedAt  time.Time `db:"updated_at"`
	ReporterID int64     `db:"reporter_id"`
}

// Reported lists up to limit incidents scope's person reported, latest first.
func (st *Store) Reported(ctx context.Context, scope Scope, limit int) ([]Row, error) {
	return st.rows(ctx, listReported, scope, limit)
}

// Board lists up to limit open incidents scope sees in full, most severe first.
func (st *Store) Board(ctx context.Context, scope Scope, limit int) ([]Row, error) {
	return st.rows(ctx, listBoard, scope, limit)
}

// ClosedLately lists up to limit closed incidents scope sees in full, latest first.
func (st *Store) ClosedLately(ctx context.Context, scope Scope, limit int) ([]Row, error) {
	return st.rows(ctx, listClosed, scope, limit)
}

func (st *Store) rows(ctx context.Context, query string, scope Scope, limit int) ([]Row, error) {
	if scope.None() {
		return nil, nil
	}
	var rs []Row
	if err := st.q.SelectContext(ctx, &rs, query, scope.args(limit)...); err != nil {
		return nil, fmt.Errorf("incident store: list: %w", err)
	}
	return rs, nil
}

// Details are the rows of one incident its full page shows.
type Details struct {
	Handlers      []NamedHandler
	Organisations []Organisation
	Timeline      []Entry
	Tasks         []Task
	Evidence      []Evidence
	Custody       []Custody
	Tickets       []TicketLink
}

// Custody is one event of the chain of custody of an incident's evidence.
type Custody struct {
	At         time.Time `db:"at"`
	Action     string    `db:"action"`
	ActorID    *int64    `db:"actor_user_id"`
	ActorName  *string   `db:"actor_name"`
	EvidenceID int64     `db:"evidence_id"`
}

// TicketLink is a customer ticket linked to an incident.
type TicketLink struct {
	TicketID  int64     `db:"ticket_id"`
	Subject   string    `db:"subject"`
	CreatedAt time.Time `db:"created_at"`
}

// Details reads the rows of incident id that scope may see: all of them for those who
// see it in full, and only the timeline entries told to the reporter for its reporter.
func (st *Store) Details(ctx context.Context, scope Scope, id int64) (*Details, error) {
	var d Details
	args := scope.args(id)
	for _, r := range []struct {
		dst   any
		query string
	}{
		{&d.Handlers, selectHandlers}, {&d.Organisations, selectOrganisations}, {&d.Timeline, selectTimeline},
		{&d.Tasks, selectTasks}, {&d.Evidence, selectEvidence}, {&d.Custody, selectCustody}, {&d.Tickets, selectTicketLinks},
	} {
		if err := st.q.SelectContext(ctx, r.dst, r.query, args...); err != nil {
			return nil, fmt.Errorf("incident store: details of %d: %w", id, err)
		}
	}
	return &d, nil
}

// Evidence returns evidence file eid of incident id, if scope sees the incident in full;
// ErrNotFound otherwise.
func (st *Store) Evidence(ctx context.Context, scope Scope, id, eid int64) (*Evidence, error) {
	if scope.None() {
		return nil, ErrNotFound
	}
	var e Evidence
	err := st.q.GetContext(ctx, &e, getEvidence, scope.args(id, eid)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("incident store: evidence %d of %d: %w", eid, id, err)
	}
	return &e, nil
}

// Linked is an incident linked to a ticket, as the ticket's page names it.
type Linked struct {
	ID        int64  `db:"id"`
	Reference string `db:"reference"`
}

// OfTicket lists the incidents linked to ticket ticketID that scope sees.
func (st *Store) OfTicket(ctx context.Context, scope Scope, ticketID int64) ([]Linked, error) {
	if scope.None() {
		return nil, nil
	}
	var ls []Linked
	if err := st.q.SelectContext(ctx, &ls, selectIncidentsOfTicket, scope.args(ticketID)...); err != nil {
		return nil, fmt.Errorf("incident store: incidents of ticket %d: %w", ticketID, err)
	}
	return ls, nil
}

// ByReference returns the id of the incident called ref that scope sees in full, or
// ErrNotFound.
func (st *Store) ByReference(ctx context.Context, scope Scope, ref string) (int64, error) {
	if scope.None() {
		return 0, ErrNotFound
	}
	var id int64
	err := st.q.GetContext(ctx, &id, getByReference, scope.args(strings.ToUpper(strings.TrimSpace(ref)))...)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("incident store: reference %q: %w", ref, err)
	}
	return id, nil
}

// Person is someone an incident may name (a handler, an owner) or tell.
type Person struct {
	ID       int64  `db:"id"`
	Name     string `db:"name"`
	Email    string `db:"email"`
	Language string `db:"language"`
}

// Agents lists the people who may be named handlers: the active agents of User Support.
func (st *Store) Agents(ctx context.Context) ([]Person, error) {
	var ps []Person
	if err := st.q.SelectContext(ctx, &ps, selectAgents); err != nil {
		return nil, fmt.Errorf("incident store: agents: %w", err)
	}
	return ps, nil
}

// CISOs lists the active CISOs.
func (st *Store) CISOs(ctx context.Context) ([]Person, error) {
	var ps []Person
	if err := st.q.SelectContext(ctx, &ps, selectCISOs); err != nil {
		return nil, fmt.Errorf("incident store: CISOs: %w", err)
	}
	return ps, nil
}

// person reads active person id, or nil when they are not (any more).
func (st *Store) person(ctx context.Context, id int64) (*Person, error) {
	var ps []Person
	if err := st.q.SelectContext(ctx, &ps, selectPerson, id); err != nil {
		return nil, fmt.Errorf("incident store: person %d: %w", id, err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return &ps[0], nil
}

// exec runs a statement of a change, with its name for the error.
func (st *Store) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := st.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("incident store: %s: %w", what, err)
	}
	return nil
}
