package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/formtoken"
	"tugi/app/i18n"
	"tugi/app/routing"
	"tugi/app/sla"
	"tugi/app/web"
)

// Contact is a customer an agent may open a ticket for.
type Contact struct {
	ID      int64  `db:"id"`
	Name    string `db:"name"`
	Email   string `db:"email"`
	OrgID   int64  `db:"org_id"`
	OrgName string `db:"org_name"`
	Active  bool   `db:"active"`
}

// Errors of a phone ticket's contact.
var (
	ErrNoSuchContact   = errors.New("ticket: no such customer")
	ErrContactInactive = errors.New("ticket: the customer's account is deactivated")
)

// contactLimit caps the contacts a search offers: the agent types more to narrow it.
const contactLimit = 20

// SearchContacts returns up to contactLimit active customers whose name or e-mail
// address starts with q (any case); none for an empty q.
func (s *Store) SearchContacts(ctx context.Context, q string) ([]Contact, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil, nil
	}
	// LIKE's own characters are matched literally.
	q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	var cs []Contact
	if err := s.q.SelectContext(ctx, &cs, searchContacts, q, contactLimit); err != nil {
		return nil, fmt.Errorf("ticket store: search contacts: %w", err)
	}
	return cs, nil
}

// Contact returns the customer id (active or not), or ErrNoSuchContact.
func (s *Store) Contact(ctx context.Context, id int64) (*Contact, error) {
	var c Contact
	err := s.q.GetContext(ctx, &c, getContact, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSuchContact
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: contact %d: %w", id, err)
	}
	return &c, nil
}

// PhoneCall is a call an agent took, to open a ticket for the customer who called.
type PhoneCall struct {
	RequesterID int64
	Subject     string
	Body        string // what was said
	CategoryID  int64
	Priority    sla.Priority
	Impact      Impact
}

// CreateByPhone opens a ticket with channel phone for the customer who called the agent
// v: the customer is its requester, v created it and has it (it is open), and what was
// said is its first message, public and by v.
//
// The SLA clocks start as for a web ticket, and the call itself is the first response:
// the customer spoke to an agent, so the first-response clock stops at once (met). This
// follows Zendesk, where a ticket an agent opens with a public comment has its first
// reply at creation. The resolution clock runs from the call.
func (s *Service) CreateByPhone(ctx context.Context, actor audit.Actor, v *access.Viewer, call PhoneCall) (*Ticket, error) {
	scope := ScopeOf(v)
	if !scope.Staff() {
		return nil, ErrNotAllowed
	}
	if !call.Impact.Valid() {
		return nil, fmt.Errorf("ticket: impact %q: %w", call.Impact, ErrNotAllowed)
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
	var id int64
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		contact, err := st.Contact(ctx, call.RequesterID)
		if err != nil {
			return err
		}
		if !contact.Active {
			return ErrContactInactive
		}
		cat, err := fs.choices.Category(call.CategoryID)
		if err != nil {
			return err
		}
		ps := fs.policies
		if _, ok := ps[call.Priority]; !ok {
			return ErrInvalidPriority
		}
		// The routing rules choose the team (and may raise the priority the agent chose),
		// as for a ticket the customer opens; the agent on the phone keeps it.
		route := fs.routes.Decide(routing.Facts{CategoryID: cat.ID, Security: cat.Security, OrgID: contact.OrgID,
			Priority: call.Priority, Subject: call.Subject})
		team, priority := route.TeamID, route.Priority
		policy, ok := ps[priority]
		if !ok {
			return ErrInvalidPriority
		}
		rules := SLA{Cal: cal, Policy: policy}
		clocks := rules.AgentReplied(rules.Created(now), now)
		// Open, and the agent's, from the start; what was said is its first message, by the
		// agent.
		agent := v.UserID
		var msgID int64
		if id, msgID, err = st.Open(ctx, NewTicket{OrgID: contact.OrgID, RequesterID: contact.ID, CreatedBy: v.UserID,
			Subject: call.Subject, CategoryID: cat.ID, Impact: call.Impact, Priority: priority, Channel: Phone,
			TeamID: team, AssigneeID: &agent, At: now, NextDueAt: clocks.NextDue(cal), ReplyDueAt: clocks.ReplyDue(cal)}, Open, v.UserID, call.Body,
			clocks, cal, policy.WarnPercent); err != nil {
			return err
		}
		changes := map[string]audit.Change{
			"requester_id": {New: contact.ID},
			"category_id":  {New: cat.ID},
			"impact":       {New: call.Impact},
			"priority":     {New: priority},
			"status":       {New: Open},
			"channel":      {New: Phone},
			"assignee_id":  {New: v.UserID},
			"message_id":   {New: msgID},
		}
		if team != nil {
			changes["team_id"] = audit.Change{New: *team}
		}
		if route.RuleID != nil {
			changes["rule_id"] = audit.Change{New: *route.RuleID}
		}
		if route.Security && s.publicURL != "" { // no address to link to: no mail, as for every notice
			if err := routing.NotifyCISO(ctx, tx, routing.Concern{TicketID: id, OrgID: contact.OrgID, Reference: Reference(id, now),
				Subject: call.Subject, URL: s.publicURL + ticketPath(id)}); err != nil {
				return err
			}
		}
		// Not as assigned: the agent on the phone is not told of their own ticket.
		if err := s.notifyCreated(ctx, tx, &Ticket{ID: id, OrgID: contact.OrgID, RequesterID: contact.ID, Subject: call.Subject, CreatedAt: now}, nil, cal, true); err != nil {
			return err
		}
		if err := formtoken.Locate(ctx, tx, ticketPath(id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "ticket.create", ObjectType: "ticket",
			ObjectID: strconv.FormatInt(id, 10), OrgID: contact.OrgID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return NewStore(s.reads).Get(ctx, scope, id)
}

// LogCall adds what was said on a phone call with the customer to ticket id, as a public
// message of the agent v with channel phone. It is v's reply, with its effect on the
// status and the clocks (see Reply).
func (s *Service) LogCall(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, wait bool, files ...File) error {
	if !ScopeOf(v).Staff() {
		return ErrNotAllowed
	}
	return s.reply(ctx, actor, v, id, body, wait, Phone, files...)
}

// ---- The pages ----

const (
	tplPhone         = "ticket/phone"
	tplPhoneContacts = "ticket/phone#contacts"
)

// PhonePage is the data of "Log a phone call".
type PhonePage struct {
	Query      string    // what the agent searched for
	Searched   bool      // a search was made
	Contacts   []Contact // its results
	Chosen     *Contact  // the contact chosen, kept when the form comes back
	Categories []Category
	Priorities []sla.Priority
	Impacts    []Impact
}

// Phone shows the form that logs a phone call as a new ticket. ?q= searches the
// customers; htmx asks for the search results alone as the agent types.
func (h *Handler) Phone(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	form := web.Form{Values: c.QueryParams()}
	if !form.Values.Has("priority") {
		form.Values.Set("priority", string(sla.Normal))
	}
	if !form.Values.Has("impact") {
		form.Values.Set("impact", string(OnePerson))
	}
	if web.IsPartial(c) {
		return h.renderPhone(c, http.StatusOK, form, tplPhoneContacts)
	}
	return h.renderPhone(c, http.StatusOK, form, tplPhone)
}

func (h *Handler) renderPhone(c echo.Context, status int, form web.Form, tpl string) error {
	ctx := c.Request().Context()
	st := NewStore(h.svc.reads)
	data := PhonePage{Query: strings.TrimSpace(form.Value("q")), Priorities: sla.Priorities, Impacts: Impacts}
	// A form shown again for its bad bytes (Bind's message is beside the field) searches
	// nothing with them.
	if data.Query != "" && web.Storable(data.Query) {
		cs, err := st.SearchContacts(ctx, data.Query)
		if err != nil {
			return err
		}
		data.Contacts, data.Searched = cs, true
	}
	if id, _ := strconv.ParseInt(form.Value("requester_id"), 10, 64); id > 0 {
		ct, err := st.Contact(ctx, id)
		switch {
		case errors.Is(err, ErrNoSuchContact):
		case err != nil:
			return err
		case ct.Active:
			data.Chosen = ct
		}
	}
	if tpl == tplPhone {
		ch, err := h.svc.Choices(ctx)
		if err != nil {
			return err
		}
		data.Categories = ch.Categories
	}
	p := h.render.NewPage(c, "Log a phone call")
	p.Form = form
	p.Data = data
	return c.Render(status, tpl, p)
}

type phoneForm struct {
	RequesterID string `form:"requester_id"`
	Subject     string `form:"subject" validate:"required,max=200"`
	Body        string `form:"body" validate:"required,max=20000"`
	CategoryID  string `form:"category_id" validate:"required"`
	Priority    string `form:"priority" validate:"required,oneof=urgent high normal low"`
	Impact      string `form:"impact" validate:"required,oneof=one_person several_people whole_organisation"`
}

// CreatePhone opens the ticket of a phone call from the form.
func (h *Handler) CreatePhone(c echo.Context) error {
	var f phoneForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	requester, rerr := strconv.ParseInt(f.RequesterID, 10, 64)
	if rerr != nil || requester <= 0 {
		form.Fail("requester_id", "Find the customer who called, and choose them.")
	}
	catID, cerr := strconv.ParseInt(f.CategoryID, 10, 64)
	if f.CategoryID != "" && (cerr != nil || catID <= 0) {
		form.Fail("category_id", "Choose one of the options offered.")
	}
	v := web.ViewerOf(c)
	var t *Ticket
	if !form.Invalid() {
		t, err = h.svc.CreateByPhone(web.Once(c, ""), web.Actor(c), v, PhoneCall{RequesterID: requester, Subject: f.Subject,
			Body: f.Body, CategoryID: catID, Priority: sla.Priority(f.Priority), Impact: Impact(f.Impact)})
		switch {
		case errors.Is(err, ErrNoSuchContact):
			form.Fail("requester_id", "Find the customer who called, and choose them.")
		case errors.Is(err, ErrContactInactive):
			form.Fail("requester_id", "This customer's account is deactivated: no ticket can be opened for them.")
		case errors.Is(err, ErrNoSuchCategory):
			form.Fail("category_id", "Choose one of the options offered.")
		case errors.Is(err, ErrInvalidPriority):
			form.Fail("priority", "Choose one of the options offered.")
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		return h.renderPhone(c, http.StatusUnprocessableEntity, form, tplPhone)
	}
	web.Flash(c, i18n.T(v.Lang, "Phone call logged as %s.", t.Reference()))
	return web.Redirect(c, ticketPath(t.ID))
}
