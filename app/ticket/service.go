package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/calendar"
	"tugi/app/database"
	"tugi/app/formtoken"
	"tugi/app/reference"
	"tugi/app/routing"
	"tugi/app/sla"
)

// CalendarSource gives the support calendar in force; sla.Calendars is one.
type CalendarSource interface {
	Current(ctx context.Context) (*calendar.Calendar, error)
}

// Options are what the service is built from.
type Options struct {
	DB        *sqlx.DB
	Calendars CalendarSource
	// Now tells the time; time.Now when nil. Tests set it to control the SLA clocks.
	Now func() time.Time
	// PublicURL is the address people use (TUGI_PUBLIC_URL), for links in e-mail
	// notices (notify.go); "" queues no notices (the demo loader).
	PublicURL string
	// Blobs keeps attachments' bytes; blob.Postgres when nil.
	Blobs blob.Store
	// Attachments limits the files of one message; DefaultAttachmentLimits when zero.
	Attachments AttachmentLimits
}

// Service changes tickets. Each operation is one transaction: it locks the ticket (if the
// person may see it at all), changes it, its messages and its SLA clocks, and writes its
// audit event last, so all of it commits together or not at all.
type Service struct {
	db        *sqlx.DB
	reads     *database.Prepared // the pool, for the pages' reads as prepared statements
	calendars CalendarSource
	now       func() time.Time
	publicURL string
	blobs     blob.Store
	limits    AttachmentLimits

	// This process's copies of the reference data (package reference).
	choices  *reference.Cache[Choices]
	policies *reference.Cache[map[sla.Priority]sla.Policy]
	canned   *reference.Cache[[]CannedReply]
	routes   *reference.Cache[routing.Table]

	// How common the searched words are (Service.lexemes), and when it was read.
	lexMu sync.Mutex
	lex   *Lexemes
	lexAt time.Time
}

// NewService returns the ticket service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Blobs == nil {
		o.Blobs = blob.Postgres{}
	}
	if o.Attachments == (AttachmentLimits{}) {
		o.Attachments = DefaultAttachmentLimits
	}
	reads := database.NewPrepared(o.DB)
	return &Service{db: o.DB, reads: reads, calendars: o.Calendars, now: o.Now, publicURL: strings.TrimSuffix(o.PublicURL, "/"), blobs: o.Blobs, limits: o.Attachments,
		choices:  reference.New(NewStore(reads).Choices),
		policies: reference.New(func(ctx context.Context) (map[sla.Priority]sla.Policy, error) { return policies(ctx, reads) }),
		canned:   reference.New(NewStore(reads).CannedReplies),
		routes:   reference.New(func(ctx context.Context) (routing.Table, error) { return routing.LoadTable(ctx, reads) }),
	}
}

// Now returns the time as the service counts it: whole seconds, as the clocks store time
// used.
func (s *Service) Now() time.Time { return s.now().Truncate(time.Second) }

// Calendar returns the support calendar in force.
func (s *Service) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	return s.calendars.Current(ctx)
}

// Policies returns the SLA policies by priority. The map is shared: do not change it.
func (s *Service) Policies(ctx context.Context) (map[sla.Priority]sla.Policy, error) {
	return s.policies.Get(ctx)
}

// Choices returns the lists of the agent's selects. They are shared: do not change them.
func (s *Service) Choices(ctx context.Context) (Choices, error) {
	return s.choices.Get(ctx)
}

// CannedReplies returns the canned replies agents may insert. They are shared: do not
// change them.
func (s *Service) CannedReplies(ctx context.Context) ([]CannedReply, error) {
	return s.canned.Get(ctx)
}

// facts is the reference data a new ticket is routed and timed by, read before its
// transaction begins (a copy's read needs a connection of its own).
type facts struct {
	choices  Choices
	policies map[sla.Priority]sla.Policy
	routes   routing.Table
}

func (s *Service) facts(ctx context.Context) (facts, error) {
	var f facts
	var err error
	if f.choices, err = s.choices.Get(ctx); err != nil {
		return f, err
	}
	if f.policies, err = s.policies.Get(ctx); err != nil {
		return f, err
	}
	f.routes, err = s.routes.Get(ctx)
	return f, err
}

func policies(ctx context.Context, q database.Queryer) (map[sla.Priority]sla.Policy, error) {
	ps, err := sla.NewStore(q).Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[sla.Priority]sla.Policy, len(ps))
	for _, p := range ps {
		out[p.Priority] = p
	}
	return out, nil
}

// Request is what a customer asks for in a new ticket.
type Request struct {
	Subject    string
	Body       string
	CategoryID int64
	Impact     Impact
	Channel    Channel
	Files      []File // attached to the description
	// MailID is the Message-ID of the e-mail the ticket came from ("" for none): the
	// description records it, and the mail to the customer threads under it.
	MailID string
	// Quiet: no acknowledgement to the customer (their mail asked for no automatic
	// answer).
	Quiet bool
}

// Create opens a ticket for the customer v, with their description as its first message,
// and starts its first-response and resolution clocks.
func (s *Service) Create(ctx context.Context, actor audit.Actor, v *access.Viewer, r Request) (*Ticket, error) {
	if !v.IsCustomer() || v.OrgID == 0 {
		return nil, ErrNotAllowed
	}
	if !r.Impact.Valid() {
		return nil, fmt.Errorf("ticket: impact %q: %w", r.Impact, ErrNotAllowed)
	}
	if r.Channel == "" {
		r.Channel = Web
	}
	files, err := s.limits.Check(r.Files)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.facts(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var t *Ticket
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		q := s.reads.Tx(tx)
		var ev audit.Event
		var err error
		if t, ev, err = s.create(ctx, q, v, r, files, cal, fs, now); err != nil {
			return err
		}
		if err := formtoken.Locate(ctx, q, ticketPath(t.ID)); err != nil {
			return err
		}
		if err := publish(ctx, q, t, v.UserID, nil); err != nil {
			return err
		}
		return audit.Record(ctx, q, actor, ev)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// create writes the new ticket of Create in the transaction tx (a Prepared.Tx), its
// message, files, clocks and notices, and returns the ticket, from what it wrote (no
// read after), and the audit event that Create records.
func (s *Service) create(ctx context.Context, tx database.Queryer, v *access.Viewer, r Request, files []checkedFile, cal *calendar.Calendar, fs facts, now time.Time) (*Ticket, audit.Event, error) {
	st := NewStore(tx)
	cat, err := fs.choices.Category(r.CategoryID)
	if err != nil {
		return nil, audit.Event{}, err
	}
	ps := fs.policies
	route := fs.routes.Decide(routing.Facts{CategoryID: cat.ID, Security: cat.Security, OrgID: v.OrgID,
		Priority: InitialPriority(r.Impact, cat.Security), Subject: r.Subject})
	team, priority := route.TeamID, route.Priority
	var assignee *int64
	var agent *recipient
	if team != nil {
		a, err := routing.Assign(ctx, tx, *team, 0)
		if err != nil {
			return nil, audit.Event{}, err
		}
		if a != nil {
			assignee, agent = &a.ID, (*recipient)(a)
		}
	}
	policy, ok := ps[priority]
	if !ok {
		return nil, audit.Event{}, fmt.Errorf("ticket: no SLA policy for priority %q", priority)
	}
	rules := SLA{Cal: cal, Policy: policy}
	clocks := rules.Created(now)
	nt := NewTicket{OrgID: v.OrgID, RequesterID: v.UserID, CreatedBy: v.UserID, Subject: r.Subject, CategoryID: cat.ID,
		Impact: r.Impact, Priority: priority, Channel: r.Channel, TeamID: team, AssigneeID: assignee, At: now,
		NextDueAt: clocks.NextDue(cal), ReplyDueAt: clocks.ReplyDue(cal)}
	id, msgID, err := st.Open(ctx, nt, New, v.UserID, r.Body, clocks, cal, policy.WarnPercent)
	if err != nil {
		return nil, audit.Event{}, err
	}
	if r.MailID != "" {
		if _, err := tx.ExecContext(ctx, setMessageMailID, msgID, r.MailID); err != nil {
			return nil, audit.Event{}, fmt.Errorf("ticket: mail id of %d: %w", msgID, err)
		}
	}
	attached, err := st.attach(ctx, s.blobs, s.limits.OrgQuota, id, v.OrgID, msgID, v.UserID, files, now)
	if err != nil {
		return nil, audit.Event{}, err
	}
	t := nt.ticket(id, New, fs.choices)
	t.OrgName, t.Requester = v.OrgName, v.Name
	changes := map[string]audit.Change{
		"requester_id": {New: v.UserID},
		"category_id":  {New: cat.ID},
		"impact":       {New: r.Impact},
		"priority":     {New: priority},
		"status":       {New: New},
		"channel":      {New: r.Channel},
		"message_id":   {New: msgID},
	}
	if team != nil {
		changes["team_id"] = audit.Change{New: *team}
	}
	// The requester is the viewer: active, signed in, in the ticket's organisation (a
	// viewer made without their address, by a job, is looked up). The customer's mail on
	// the ticket is its description's, if it came by mail.
	o := &opened{assignee: agent, mailIDs: []string{}}
	if v.Email != "" {
		o.requester = &recipient{ID: v.UserID, Email: v.Email, Name: v.Name, Lang: v.Lang}
	}
	if r.Channel == Email && strings.Contains(r.MailID, "@") {
		o.mailIDs = []string{r.MailID}
	}
	if err := s.notifyCreated(ctx, tx, t, o, cal, !r.Quiet); err != nil {
		return nil, audit.Event{}, err
	}
	if len(attached) > 0 {
		changes["attachment_ids"] = audit.Change{New: attached}
	}
	if route.RuleID != nil {
		changes["rule_id"] = audit.Change{New: *route.RuleID}
	}
	if assignee != nil {
		changes["assignee_id"] = audit.Change{New: *assignee}
	}
	if route.Security && s.publicURL != "" { // no address to link to: no mail, as for every notice
		if err := routing.NotifyCISO(ctx, tx, routing.Concern{TicketID: id, OrgID: v.OrgID, Reference: Reference(id, now),
			Subject: r.Subject, URL: s.publicURL + "/tickets/" + strconv.FormatInt(id, 10)}); err != nil {
			return nil, audit.Event{}, err
		}
	}
	return t, audit.Event{Action: "ticket.create", ObjectType: "ticket",
		ObjectID: strconv.FormatInt(id, 10), OrgID: v.OrgID, Changes: changes}, nil
}

// change is one operation on a locked ticket: the ticket and its clocks as they were and
// as they become, and the audit events it writes.
type change struct {
	now      time.Time
	cal      *calendar.Calendar
	policies map[sla.Priority]sla.Policy
	choices  Choices
	scope    Scope
	st       *Store
	old      Ticket
	t        *Ticket
	oldClock Clocks
	clocks   Clocks
	touched  bool // the customer sees the change: it counts as activity (updated_at)
	events   []audit.Event
}

func (c *change) rules() (SLA, error) {
	p, ok := c.policies[c.t.Priority]
	if !ok {
		return SLA{}, fmt.Errorf("ticket: no SLA policy for priority %q", c.t.Priority)
	}
	return SLA{Cal: c.cal, Policy: p}, nil
}

func (c *change) record(action string, changes map[string]audit.Change) {
	c.events = append(c.events, audit.Event{Action: action, ObjectType: "ticket",
		ObjectID: strconv.FormatInt(c.t.ID, 10), OrgID: c.t.OrgID, Changes: changes})
}

// setStatus moves the ticket to status to, with its times and clocks.
func (c *change) setStatus(to Status) error {
	from := c.t.Status
	if from == to {
		return nil
	}
	rules, err := c.rules()
	if err != nil {
		return err
	}
	c.clocks = rules.StatusChanged(c.clocks, from, to, c.now)
	c.t.Status = to
	switch {
	case to == Solved:
		c.t.SolvedAt, c.t.ClosedAt = &c.now, nil
	case to == Closed:
		c.t.ClosedAt = &c.now
	default:
		c.t.SolvedAt, c.t.ClosedAt = nil, nil
	}
	c.touched = true
	return nil
}

// apply runs fn on ticket id, which v must be able to see (ErrNotFound otherwise), in
// one transaction; it stores what fn changed and records fn's audit events, last. When
// fn records no event, nothing is written.
func (s *Service) apply(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, fn func(c *change) error) error {
	if ScopeOf(v).None() {
		return ErrNotFound
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return s.applyIn(ctx, tx, actor, v, id, fn) })
}

// save stores the ticket of change c, made by v, queues its notices and records its
// audit events, last, through tx.
func (s *Service) save(ctx context.Context, tx database.Queryer, actor audit.Actor, v *access.Viewer, c *change) error {
	if err := c.st.Save(ctx, c.t); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, c, v); err != nil {
		return err
	}
	if err := publish(ctx, tx, c.t, v.UserID, c.events); err != nil {
		return err
	}
	for _, ev := range c.events {
		if err := audit.Record(ctx, tx, actor, ev); err != nil {
			return err
		}
	}
	return nil
}

// The service writes routing's hand-backs.
var _ routing.Reassigner = (*Service)(nil)

// HandBack gives ticket id to the agent to (nil: nobody; it waits in its team's queue)
// in tx, the transaction of routing's hand-back (routing.HandBack), which chose to under
// its team locks and has locked the ticket. It is a change of assignee like any other,
// audited as ticket.hand_back by actor (the agent handing it back): the new assignee is
// told; no clock changes, nor the last activity, which an assignee is not for the
// customer. It reads no reference data: a read of a copy needs a connection of its own,
// which a transaction holding team locks must not wait for.
func (s *Service) HandBack(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, id int64, to *int64) error {
	q := s.reads.Tx(tx)
	v := &access.Viewer{UserID: actor.UserID, Roles: []access.Role{access.Agent}}
	st := NewStore(q)
	scope := ScopeOf(v)
	t, err := st.Lock(ctx, scope, id)
	if err != nil {
		return err
	}
	c := &change{now: s.Now(), scope: scope, st: st, old: *t, t: t}
	c.t.AssigneeID = to
	c.record("ticket.hand_back", map[string]audit.Change{"assignee_id": {Old: c.old.AssigneeID, New: to}})
	return s.save(ctx, q, actor, v, c)
}

// Reply adds a public message by v to ticket id.
//
// A customer's message reopens a solved ticket (within ReopenWindow) and moves one that
// waits for them, or is on hold, to open; once the first response was given, it starts
// the next-response clock. A closed ticket takes no more messages (ErrClosed).
//
// An agent's reply stops the first-response clock (the first time) and the
// next-response clock; with wait, the ticket then waits for the customer (its clocks
// pause), and otherwise a new or waiting ticket becomes open.
//
// The files are attached to the message, after AttachmentLimits.Check (a *FileError
// refuses them all, and nothing is written).
func (s *Service) Reply(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, wait bool, files ...File) error {
	return s.reply(ctx, actor, v, id, body, wait, Web, files...)
}

// reply is Reply by channel ch: Web, or Phone for a call an agent logs (LogCall).
func (s *Service) reply(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, wait bool, ch Channel, files ...File) error {
	checked, err := s.limits.Check(files)
	if err != nil {
		return err
	}
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if c.t.Status == Closed {
			return ErrClosed
		}
		customer := !c.scope.Staff()
		if customer && c.t.Status == Solved && !c.t.CanReopen(c.now) {
			return ErrReopenExpired
		}
		msgID, err := c.st.AddMessage(ctx, NewMessage{TicketID: c.t.ID, OrgID: c.t.OrgID, AuthorID: v.UserID, Channel: ch, Body: body, At: c.now})
		if err != nil {
			return err
		}
		attached, err := c.st.attach(ctx, s.blobs, s.limits.OrgQuota, c.t.ID, c.t.OrgID, msgID, v.UserID, checked, c.now)
		if err != nil {
			return err
		}
		rules, err := c.rules()
		if err != nil {
			return err
		}
		to := c.t.Status
		if customer {
			if to == Waiting || to == Solved || to == OnHold {
				to = Open
			}
			if err := c.setStatus(to); err != nil {
				return err
			}
			c.clocks = rules.CustomerReplied(c.clocks, c.now)
		} else {
			c.clocks = rules.AgentReplied(c.clocks, c.now)
			switch {
			case wait:
				to = Waiting
			case to == New || to == Waiting:
				to = Open
			}
			if err := c.setStatus(to); err != nil {
				return err
			}
		}
		c.touched = true
		changes := map[string]audit.Change{"message_id": {New: msgID}}
		if len(attached) > 0 {
			changes["attachment_ids"] = audit.Change{New: attached}
		}
		if ch != Web {
			changes["channel"] = audit.Change{New: ch}
		}
		if c.old.Status != c.t.Status {
			changes["status"] = audit.Change{Old: c.old.Status, New: c.t.Status}
		}
		c.record("ticket.reply", changes)
		return nil
	})
}

// Note adds an internal note by the agent v to ticket id: staff read it, customers never
// do. It changes no clock, and is no activity a customer sees.
// Files attached to a note are internal too.
func (s *Service) Note(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, files ...File) error {
	checked, err := s.limits.Check(files)
	if err != nil {
		return err
	}
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if !c.scope.Staff() {
			return ErrNotAllowed
		}
		msgID, err := c.st.AddMessage(ctx, NewMessage{TicketID: c.t.ID, OrgID: c.t.OrgID, AuthorID: v.UserID, Internal: true, Channel: Web, Body: body, At: c.now})
		if err != nil {
			return err
		}
		attached, err := c.st.attach(ctx, s.blobs, s.limits.OrgQuota, c.t.ID, c.t.OrgID, msgID, v.UserID, checked, c.now)
		if err != nil {
			return err
		}
		changes := map[string]audit.Change{"message_id": {New: msgID}}
		if len(attached) > 0 {
			changes["attachment_ids"] = audit.Change{New: attached}
		}
		c.record("ticket.note", changes)
		return nil
	})
}

// Fields are the fields an agent changes on a ticket's side panel; nil leaves a field as
// it is. An assignee or team of 0 is none.
type Fields struct {
	Status     *Status
	Priority   *sla.Priority
	CategoryID *int64
	AssigneeID *int64
	TeamID     *int64
}

// SetFields changes the fields f names on ticket id, for the agent v: each change is
// audited on its own (ticket.status, ticket.priority, ticket.category, ticket.assign,
// ticket.team). A new priority retargets the clocks that have not stopped.
func (s *Service) SetFields(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, f Fields) error {
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if !c.scope.Staff() {
			return ErrNotAllowed
		}
		if f.Status != nil && *f.Status != c.t.Status {
			if !f.Status.Valid() || *f.Status == New {
				return ErrInvalidStatus
			}
			if err := c.setStatus(*f.Status); err != nil {
				return err
			}
			action := "ticket.status"
			switch {
			case *f.Status == Closed:
				action = "ticket.close"
			case c.old.Status.Resolved() && !f.Status.Resolved():
				action = "ticket.reopen"
			}
			c.record(action, map[string]audit.Change{"status": {Old: c.old.Status, New: c.t.Status}})
		}
		if f.Priority != nil && *f.Priority != c.t.Priority {
			if _, ok := c.policies[*f.Priority]; !ok {
				return ErrInvalidPriority
			}
			c.t.Priority = *f.Priority
			rules, err := c.rules()
			if err != nil {
				return err
			}
			c.clocks = rules.PriorityChanged(c.clocks)
			c.touched = true
			c.record("ticket.priority", map[string]audit.Change{"priority": {Old: c.old.Priority, New: c.t.Priority}})
		}
		if f.CategoryID != nil && *f.CategoryID != c.t.CategoryID {
			if _, err := c.choices.Category(*f.CategoryID); err != nil {
				return err
			}
			c.t.CategoryID = *f.CategoryID
			c.touched = true
			c.record("ticket.category", map[string]audit.Change{"category_id": {Old: c.old.CategoryID, New: c.t.CategoryID}})
		}
		if f.AssigneeID != nil && !sameID(c.t.AssigneeID, *f.AssigneeID) {
			if err := c.assign(ctx, *f.AssigneeID); err != nil {
				return err
			}
		}
		if f.TeamID != nil && !sameID(c.t.TeamID, *f.TeamID) {
			c.t.TeamID = idOrNil(*f.TeamID)
			c.record("ticket.team", map[string]audit.Change{"team_id": {Old: c.old.TeamID, New: c.t.TeamID}})
		}
		return nil
	})
}

func (c *change) assign(ctx context.Context, to int64) error {
	if to != 0 {
		ok, err := c.st.IsAgent(ctx, to)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotAnAgent
		}
	}
	c.t.AssigneeID = idOrNil(to)
	c.record("ticket.assign", map[string]audit.Change{"assignee_id": {Old: c.old.AssigneeID, New: c.t.AssigneeID}})
	return nil
}

// Take assigns ticket id to the agent v, who saw it assigned to seen (0: nobody). When
// someone else has taken it since, Take writes nothing and returns a *TakenError naming
// them (see take.go).
func (s *Service) Take(ctx context.Context, actor audit.Actor, v *access.Viewer, id, seen int64) error {
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if !c.scope.Staff() {
			return ErrNotAllowed
		}
		if sameID(c.t.AssigneeID, v.UserID) {
			return nil
		}
		if err := takenSince(c.t, seen); err != nil {
			return err
		}
		return c.assign(ctx, v.UserID)
	})
}

// Close closes ticket id for its customer v: they need no more help. Its clocks stop.
func (s *Service) Close(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if c.t.Status == Closed {
			return nil
		}
		if err := c.setStatus(Closed); err != nil {
			return err
		}
		c.record("ticket.close", map[string]audit.Change{"status": {Old: c.old.Status, New: Closed}})
		return nil
	})
}

// Reopen opens the solved or closed ticket id again for its customer v, within
// ReopenWindow of its resolution (ErrReopenExpired after). Its resolution clock runs
// again with the time it had used.
func (s *Service) Reopen(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if !c.t.Status.Resolved() {
			return ErrNotResolved
		}
		if !c.t.CanReopen(c.now) {
			return ErrReopenExpired
		}
		if err := c.setStatus(Open); err != nil {
			return err
		}
		c.record("ticket.reopen", map[string]audit.Change{"status": {Old: c.old.Status, New: Open}})
		return nil
	})
}

func sameID(p *int64, id int64) bool {
	if p == nil {
		return id == 0
	}
	return *p == id
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// timePtr is t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
