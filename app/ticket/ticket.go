// Package ticket is Tugi's customer tickets: the model, the store (SQL beside the Go that
// runs it), the operations that change a ticket (each in one transaction with its SLA
// clocks and its audit event), and the pages of customers and agents.
//
// What a viewer may see of tickets is decided in one place, Scope (scope.go), and every
// query of a ticket or its messages goes through it.
package ticket

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Tallinn must be found on any machine

	"tugi/app/sla"
)

// Status is where a ticket stands.
type Status string

// The statuses of a ticket, in the order of its life.
const (
	New     Status = "new"     // not yet touched by an agent
	Open    Status = "open"    // being worked on
	Waiting Status = "waiting" // waiting for the customer: SLA clocks pause
	OnHold  Status = "on_hold" // waiting for a third party: SLA clocks keep running
	Solved  Status = "solved"  // the agent considers it done; the customer may reopen it
	Closed  Status = "closed"  // done; reopened only by its customer, within ReopenWindow
)

// Statuses lists the statuses in the order of a ticket's life.
var Statuses = []Status{New, Open, Waiting, OnHold, Solved, Closed}

// Unresolved lists the statuses of tickets that still need work: the agent queues'.
var Unresolved = []Status{New, Open, Waiting, OnHold}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Resolved reports whether the ticket is solved or closed.
func (s Status) Resolved() bool { return s == Solved || s == Closed }

// Label is the status as agents read it.
func (s Status) Label() string {
	switch s {
	case New:
		return "New"
	case Open:
		return "Open"
	case Waiting:
		return "Waiting for customer"
	case OnHold:
		return "On hold"
	case Solved:
		return "Solved"
	case Closed:
		return "Closed"
	}
	return string(s)
}

// CustomerLabel is the status as the customer reads it: what it means for them.
func (s Status) CustomerLabel() string {
	switch s {
	case New:
		return "Received"
	case Open, OnHold:
		return "In progress"
	case Waiting:
		return "Waiting for your reply"
	case Solved:
		return "Solved"
	case Closed:
		return "Closed"
	}
	return string(s)
}

// CustomerClass is the stylesheet's class of the status as the customer reads it: the
// statuses that read alike (open and on hold are both "In progress") look alike too.
func (s Status) CustomerClass() string {
	switch s {
	case New:
		return "received"
	case Open, OnHold:
		return "in-progress"
	}
	return string(s)
}

// Impact is how many people a problem stops, as the customer tells it.
type Impact string

// The impacts, smallest first.
const (
	OnePerson         Impact = "one_person"
	SeveralPeople     Impact = "several_people"
	WholeOrganisation Impact = "whole_organisation"
)

// Impacts lists the impacts, smallest first.
var Impacts = []Impact{OnePerson, SeveralPeople, WholeOrganisation}

// Valid reports whether i is a known impact.
func (i Impact) Valid() bool { return slices.Contains(Impacts, i) }

// Label is the impact as people read it.
func (i Impact) Label() string {
	switch i {
	case OnePerson:
		return "Only me"
	case SeveralPeople:
		return "Several people"
	case WholeOrganisation:
		return "Our whole organisation"
	}
	return string(i)
}

// Channel is how a ticket or a message reached Tugi.
type Channel string

// The channels.
const (
	Web   Channel = "web"
	Email Channel = "email"
	Phone Channel = "phone"
)

// Channels lists the channels.
var Channels = []Channel{Web, Email, Phone, Chat}

// Label is the channel as people read it.
func (c Channel) Label() string {
	switch c {
	case Web:
		return "Web"
	case Email:
		return "E-mail"
	case Phone:
		return "Phone"
	case Chat:
		return "Chat"
	}
	return string(c)
}

// InitialPriority is the priority a new ticket starts with: from the impact the customer
// reports, and at least high for a security concern. Agents change it as they see fit.
func InitialPriority(impact Impact, security bool) sla.Priority {
	p := sla.Normal
	switch impact {
	case SeveralPeople:
		p = sla.High
	case WholeOrganisation:
		p = sla.Urgent
	}
	if security && p == sla.Normal {
		p = sla.High
	}
	return p
}

// ReopenWindow is how long after a ticket was solved or closed its customer may reopen
// it; after that, they open a new ticket.
const ReopenWindow = 14 * 24 * time.Hour

// Ticket is a customer's request, as pages show it.
type Ticket struct {
	ID          int64        `db:"id"`
	OrgID       int64        `db:"org_id"`
	OrgName     string       `db:"org_name"`
	RequesterID int64        `db:"requester_id"`
	Requester   string       `db:"requester_name"`
	Subject     string       `db:"subject"`
	CategoryID  int64        `db:"category_id"`
	Category    Category     `db:"category"`
	Impact      Impact       `db:"impact"`
	Priority    sla.Priority `db:"priority"`
	Status      Status       `db:"status"`
	Channel     Channel      `db:"channel"`
	TeamID      *int64       `db:"team_id"`
	TeamName    *string      `db:"team_name"`
	AssigneeID  *int64       `db:"assignee_id"`
	Assignee    *string      `db:"assignee_name"`
	CreatedAt   time.Time    `db:"created_at"`
	UpdatedAt   time.Time    `db:"updated_at"`
	SolvedAt    *time.Time   `db:"solved_at"`
	ClosedAt    *time.Time   `db:"closed_at"`
	NextDueAt   *time.Time   `db:"next_due_at"`
	// ReplyDueAt is when the customer can expect the next reply: the due time of the
	// running first- or next-response clock.
	ReplyDueAt *time.Time `db:"reply_due_at"`
}

// Reference is the ticket's reference as people quote it.
func (t *Ticket) Reference() string { return Reference(t.ID, t.CreatedAt) }

// ResolvedAt is when the ticket was solved, or closed without being solved; nil while
// unresolved.
func (t *Ticket) ResolvedAt() *time.Time {
	if t.SolvedAt != nil {
		return t.SolvedAt
	}
	return t.ClosedAt
}

// CanReopen reports whether the customer may still reopen the ticket at now.
func (t *Ticket) CanReopen(now time.Time) bool {
	at := t.ResolvedAt()
	return t.Status.Resolved() && at != nil && now.Before(at.Add(ReopenWindow))
}

// referenceZone is where a ticket's year of creation is counted: the vendor's.
var referenceZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic("ticket: " + err.Error())
	}
	return loc
}()

// Reference returns the reference of ticket id created at created: T-2026-00123.
func Reference(id int64, created time.Time) string {
	return fmt.Sprintf("T-%d-%05d", created.In(referenceZone).Year(), id)
}

var referencePattern = regexp.MustCompile(`(?i)\bT-(\d{4})-(\d{5,})\b`)

// ParseReference finds a ticket reference in s (a subject line, say) and returns the id
// and year it names. The year must be checked against the ticket's: T-2025-00123 is not
// ticket 123 of 2026.
func ParseReference(s string) (id int64, year int, ok bool) {
	m := referencePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	return id, year, true
}

// Category is what a ticket is about.
type Category struct {
	ID           int64        `db:"id"`
	Name         string       `db:"name"`
	Translations Translations `db:"translations"`
	Security     bool         `db:"security"`
}

// Label is the category's name in lang, or in English when it has none in lang.
func (c Category) Label(lang string) string {
	if s := c.Translations[lang]; s != "" {
		return s
	}
	return c.Name
}

// Translations are a name in other languages than English, by language code.
type Translations map[string]string

// Scan implements sql.Scanner for a jsonb object.
func (tr *Translations) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		*tr = nil
		return nil
	default:
		return fmt.Errorf("ticket: translations from %T", src)
	}
	return json.Unmarshal(b, (*map[string]string)(tr))
}

// Value implements driver.Valuer.
func (tr Translations) Value() (driver.Value, error) {
	if len(tr) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(tr))
	return string(b), err // a string: the column is jsonb, which binary parameters would misread
}

// Team is a team of agents.
type Team struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Agent is a person tickets can be assigned to.
type Agent struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Message is one message of a ticket's conversation.
type Message struct {
	ID        int64     `db:"id"`
	TicketID  int64     `db:"ticket_id"`
	AuthorID  *int64    `db:"author_id"`
	Author    *string   `db:"author_name"`
	ByStaff   bool      `db:"by_staff"`
	Internal  bool      `db:"internal"`
	Channel   Channel   `db:"channel"`
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
}

// Errors of ticket operations that a person can act on.
var (
	ErrNotFound        = errors.New("ticket: not found")
	ErrClosed          = errors.New("ticket: closed")
	ErrReopenExpired   = errors.New("ticket: too long since it was resolved to reopen it")
	ErrNotResolved     = errors.New("ticket: not solved or closed")
	ErrNoSuchCategory  = errors.New("ticket: no such category")
	ErrNoSuchTeam      = errors.New("ticket: no such team")
	ErrNotAnAgent      = errors.New("ticket: the assignee is not an active agent")
	ErrInvalidStatus   = errors.New("ticket: not a status")
	ErrInvalidPriority = errors.New("ticket: not a priority")
	ErrNotAllowed      = errors.New("ticket: not allowed")
)
