package chat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/calendar"
	"tugi/app/database"
	"tugi/app/live"
	"tugi/app/sla"
	"tugi/app/ticket"
)

// CalendarSource gives the support calendar in force; sla.Calendars is one.
type CalendarSource interface {
	Current(ctx context.Context) (*calendar.Calendar, error)
}

// Options are what the service is built from.
type Options struct {
	DB        *sqlx.DB
	Tickets   *ticket.Service // keeps transcripts as tickets
	Calendars CalendarSource
	// Now tells the time; time.Now when nil. Tests set it, so that support is open.
	Now func() time.Time
	// Attachments are the limits of a message's files: the tickets'.
	Attachments ticket.AttachmentLimits
	// Blobs keeps files' bytes; blob.Postgres when nil.
	Blobs blob.Store
	// PublicURL is the address people use, for the link in a mailed transcript.
	PublicURL string
}

// Service runs chats. Each operation a person performs is one transaction with its
// audit event and its live event (published on that transaction, so nothing is told of
// a change that rolled back).
type Service struct {
	db        *sqlx.DB
	tickets   *ticket.Service
	calendars CalendarSource
	now       func() time.Time
	limits    ticket.AttachmentLimits
	blobs     blob.Store
	publicURL string
}

// NewService returns the chat service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Blobs == nil {
		o.Blobs = blob.Postgres{}
	}
	if o.Attachments == (ticket.AttachmentLimits{}) {
		o.Attachments = ticket.DefaultAttachmentLimits
	}
	return &Service{db: o.DB, tickets: o.Tickets, calendars: o.Calendars, now: o.Now, limits: o.Attachments, blobs: o.Blobs,
		publicURL: strings.TrimSuffix(o.PublicURL, "/")}
}

// Now returns the time as the service counts it.
func (s *Service) Now() time.Time { return s.now().Truncate(time.Millisecond) }

// Policy returns the chat's service level (app/sla).
func (s *Service) Policy(ctx context.Context) (sla.ChatPolicy, error) {
	return sla.NewStore(s.db).ChatPolicy(ctx)
}

// Offer says whether chat is offered now, and if not, why and when support opens.
type Offer struct {
	Open      bool       // support is open by the calendar
	Staffed   bool       // at least one agent is available
	Support   sla.Status // the calendar's status: when closed, when it opens
	Location  *time.Location
	Available int // agents available now
}

// Offered reports whether a customer may start a chat now.
func (o Offer) Offered() bool { return o.Open && o.Staffed }

// Offer tells whether chat is offered at now.
func (s *Service) Offer(ctx context.Context) (Offer, error) {
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return Offer{}, err
	}
	var n int
	if err := s.db.GetContext(ctx, &n, availableAgents); err != nil {
		return Offer{}, fmt.Errorf("chat: available agents: %w", err)
	}
	st := sla.StatusAt(cal, s.Now())
	return Offer{Open: st.Open, Staffed: n > 0, Support: st, Location: cal.Location(), Available: n}, nil
}

// ---- Reading ----

// scopeArgs are the arguments getChat filters by for v: a customer only their own chat.
func scopeArgs(v *access.Viewer, id int64) []any {
	if v.IsCustomer() {
		return []any{id, v.UserID, v.OrgID}
	}
	return []any{id, 0, 0}
}

// Get returns chat id if v may read it, and ErrNotFound otherwise, whether or not it
// exists.
func (s *Service) Get(ctx context.Context, v *access.Viewer, id int64) (*Chat, error) {
	return get(ctx, s.db, v, id, getChat)
}

func get(ctx context.Context, q database.Queryer, v *access.Viewer, id int64, query string) (*Chat, error) {
	if v == nil || (!v.IsCustomer() && !v.Has(access.Agent)) {
		return nil, ErrNotFound
	}
	var c Chat
	err := q.GetContext(ctx, &c, query, scopeArgs(v, id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("chat: get %d: %w", id, err)
	}
	if !mayRead(v, &c) {
		return nil, ErrNotFound
	}
	return &c, nil
}

// OpenChatOf returns the customer v's chat that waits or is under way; ErrNotFound when
// they have none.
func (s *Service) OpenChatOf(ctx context.Context, v *access.Viewer) (*Chat, error) {
	if !v.IsCustomer() {
		return nil, ErrNotFound
	}
	var c Chat
	err := s.db.GetContext(ctx, &c, openChatOf, v.UserID, v.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("chat: open chat of %d: %w", v.UserID, err)
	}
	return &c, nil
}

// Messages returns the messages of chat c, which the caller has read for its viewer,
// with their files.
func (s *Service) Messages(ctx context.Context, c *Chat) ([]Message, error) {
	return messages(ctx, s.db, c.ID)
}

func messages(ctx context.Context, q database.Queryer, id int64) ([]Message, error) {
	var ms []Message
	if err := q.SelectContext(ctx, &ms, listMessages, id); err != nil {
		return nil, fmt.Errorf("chat: messages of %d: %w", id, err)
	}
	var fs []File
	if err := q.SelectContext(ctx, &fs, listFiles, id); err != nil {
		return nil, fmt.Errorf("chat: files of %d: %w", id, err)
	}
	byMsg := map[int64][]File{}
	for _, f := range fs {
		byMsg[f.MessageID] = append(byMsg[f.MessageID], f)
	}
	for i := range ms {
		ms[i].Files = byMsg[ms[i].ID]
	}
	return ms, nil
}

// Waiting returns the chats that wait for an agent, oldest first, for the agent v.
func (s *Service) Waiting(ctx context.Context, v *access.Viewer) ([]Chat, error) {
	if !v.Has(access.Agent) {
		return nil, ErrNotAllowed
	}
	var cs []Chat
	if err := s.db.SelectContext(ctx, &cs, waitingChats); err != nil {
		return nil, fmt.Errorf("chat: waiting: %w", err)
	}
	return cs, nil
}

// Mine returns the agent v's chats under way.
func (s *Service) Mine(ctx context.Context, v *access.Viewer) ([]Chat, error) {
	if !v.Has(access.Agent) {
		return nil, ErrNotAllowed
	}
	var cs []Chat
	if err := s.db.SelectContext(ctx, &cs, agentChats, v.UserID); err != nil {
		return nil, fmt.Errorf("chat: chats of %d: %w", v.UserID, err)
	}
	return cs, nil
}

// Place returns the place of the waiting chat c in the queue, 1 for the next.
func (s *Service) Place(ctx context.Context, c *Chat) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, placeOf, c.ID); err != nil {
		return 0, fmt.Errorf("chat: place of %d: %w", c.ID, err)
	}
	return n, nil
}

// File returns file fid of chat c with its content, for a reader of the chat.
func (s *Service) File(ctx context.Context, c *Chat, fid int64) (*File, io.ReadCloser, error) {
	var f File
	err := s.db.GetContext(ctx, &f, getFile, c.ID, fid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("chat: file %d of %d: %w", fid, c.ID, err)
	}
	r, err := s.blobs.Open(ctx, s.db, f.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return &f, r, nil
}

// ---- Changes ----

// event is the audit event of action on chat c.
func event(action string, c *Chat, changes map[string]audit.Change) audit.Event {
	return audit.Event{Action: action, ObjectType: "chat", ObjectID: strconv.FormatInt(c.ID, 10), OrgID: c.OrgID, Changes: changes}
}

// publish tells the chat's readers of a change of kind (live.Publish, on q: the change's
// transaction).
func publish(ctx context.Context, q database.Queryer, c *Chat, kind string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["chat"] = c.ID
	return live.Publish(ctx, q, live.Event{Topic: Topic(c.ID), Kind: kind, Org: c.OrgID, Data: data})
}

// publishQueue tells the agents that the list of chats changed (staff only: Org 0).
func publishQueue(ctx context.Context, q database.Queryer, c *Chat, kind string) error {
	return live.Publish(ctx, q, live.Event{Topic: QueueTopic, Kind: kind, Data: map[string]any{"chat": c.ID}})
}

// Start starts a chat of the customer v with their first message, while chat is offered
// (ErrClosed otherwise: the page then offers to leave the message as a ticket). A
// customer has one chat at a time (ErrOpenChat).
func (s *Service) Start(ctx context.Context, actor audit.Actor, v *access.Viewer, body string) (*Chat, error) {
	if !v.IsCustomer() || v.OrgID == 0 {
		return nil, ErrNotAllowed
	}
	if strings.TrimSpace(body) == "" {
		return nil, ErrEmpty
	}
	offer, err := s.Offer(ctx)
	if err != nil {
		return nil, err
	}
	if !offer.Offered() {
		return nil, ErrClosed
	}
	now := s.Now()
	var c *Chat
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var id int64
		err := tx.GetContext(ctx, &id, insertChat, v.OrgID, v.UserID, now)
		if database.IsConstraint(err, "chats_customer_open") {
			return ErrOpenChat
		}
		if err != nil {
			return fmt.Errorf("chat: start: %w", err)
		}
		var msgID int64
		if err := tx.GetContext(ctx, &msgID, insertMessage, id, v.OrgID, v.UserID, false, body, now); err != nil {
			return fmt.Errorf("chat: first message: %w", err)
		}
		c = &Chat{ID: id, OrgID: v.OrgID, CustomerID: v.UserID, State: Waiting, CreatedAt: now}
		if err := publishQueue(ctx, tx, c, "chat.waiting"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, event("chat.start", c, map[string]audit.Change{"state": {New: Waiting}, "message_id": {New: msgID}}))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Send adds a message by v to chat id, with files (checked as ticket attachments are; a
// *ticket.FileError refuses them all, and nothing is written). The customer writes while
// the chat waits or is under way; its agent while it is under way; other agents only
// read (ErrNotAllowed).
func (s *Service) Send(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, files ...ticket.File) (int64, error) {
	if strings.TrimSpace(body) == "" && len(files) == 0 {
		return 0, ErrEmpty
	}
	checked, err := s.limits.CheckFiles(files)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	var msgID int64
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		c, err := get(ctx, tx, v, id, lockChat)
		if err != nil {
			return err
		}
		p := partyOf(v, c)
		switch {
		case c.State == Ended:
			return ErrEnded
		case p == customer:
		case p == agent && c.State == Active:
		default:
			return ErrNotAllowed
		}
		if err := tx.GetContext(ctx, &msgID, insertMessage, c.ID, c.OrgID, v.UserID, p == agent, body, now); err != nil {
			return fmt.Errorf("chat: message of %d: %w", c.ID, err)
		}
		var fileIDs []int64
		for _, f := range checked {
			r, err := f.Open()
			if err != nil {
				return fmt.Errorf("chat: open %q: %w", f.Name, err)
			}
			ref, err := s.blobs.Put(ctx, tx, r)
			r.Close()
			if err != nil {
				return err
			}
			var fid int64
			if err := tx.GetContext(ctx, &fid, insertFile, c.ID, c.OrgID, msgID, f.Name, f.ContentType, ref.Size, ref.SHA256, now); err != nil {
				return fmt.Errorf("chat: file of %d: %w", c.ID, err)
			}
			fileIDs = append(fileIDs, fid)
		}
		// The writer has seen everything up to their own message.
		if err := markSeen(ctx, tx, c, p, msgID); err != nil {
			return err
		}
		if err := publish(ctx, tx, c, "chat.message", map[string]any{"message": msgID}); err != nil {
			return err
		}
		changes := map[string]audit.Change{"message_id": {New: msgID}}
		if len(fileIDs) > 0 {
			changes["file_ids"] = audit.Change{New: fileIDs}
		}
		return audit.Record(ctx, tx, actor, event("chat.message", c, changes))
	})
	return msgID, err
}

// markSeen writes that party p of chat c has seen its messages up to upto.
func markSeen(ctx context.Context, q database.Queryer, c *Chat, p party, upto int64) error {
	query := seenByCustomer
	if p == agent {
		query = seenByAgent
	}
	if _, err := q.ExecContext(ctx, query, c.ID, upto); err != nil {
		return fmt.Errorf("chat: seen %d: %w", c.ID, err)
	}
	return nil
}

// Seen writes that v, a party of chat c, has seen its messages up to upto, and tells
// the other side (a read receipt: no audit event, as no one changed anything).
func (s *Service) Seen(ctx context.Context, v *access.Viewer, c *Chat, upto int64) error {
	p := partyOf(v, c)
	seen := c.CustomerSeenID
	if p == agent {
		seen = c.AgentSeenID
	}
	if (p != customer && p != agent) || upto <= seen || c.State == Ended {
		return nil
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := markSeen(ctx, tx, c, p, upto); err != nil {
			return err
		}
		return publish(ctx, tx, c, "chat.seen", map[string]any{"upto": upto})
	})
}

// Typing tells the other side of chat c that v is typing: a signal, not kept.
func (s *Service) Typing(ctx context.Context, v *access.Viewer, c *Chat) error {
	p := partyOf(v, c)
	if (p != customer && p != agent) || c.State != Active {
		return nil
	}
	return live.Signal(ctx, s.db, live.Event{Topic: Topic(c.ID), Kind: "chat.typing", Org: c.OrgID,
		Data: map[string]any{"chat": c.ID, "user": v.UserID}})
}

// Accept gives the waiting chat id to the agent v. Exactly one agent wins a chat: the
// UPDATE finds it waiting for one of them only, and the others get ErrTaken. An agent
// holding as many chats as the chat policy allows gets ErrLimit.
func (s *Service) Accept(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	if !v.Has(access.Agent) {
		return ErrNotAllowed
	}
	policy, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, lockAgentChats, v.UserID); err != nil {
			return fmt.Errorf("chat: lock chats of %d: %w", v.UserID, err)
		}
		var org int64
		err := tx.GetContext(ctx, &org, acceptChat, id, v.UserID, now, policy.AgentLimit)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotAccepted(ctx, tx, v, id, policy.AgentLimit)
		}
		if err != nil {
			return fmt.Errorf("chat: accept %d: %w", id, err)
		}
		c, err := get(ctx, tx, v, id, getChat)
		if err != nil {
			return err
		}
		if err := publish(ctx, tx, c, "chat.accepted", nil); err != nil {
			return err
		}
		if err := publishQueue(ctx, tx, c, "chat.taken"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, event("chat.accept", c, map[string]audit.Change{
			"state": {Old: Waiting, New: Active}, "agent_id": {New: v.UserID},
			"wait_seconds": {New: int(now.Sub(c.CreatedAt) / time.Second)}}))
	})
}

// whyNotAccepted tells why agent v could not accept chat id.
func (s *Service) whyNotAccepted(ctx context.Context, tx *sqlx.Tx, v *access.Viewer, id int64, limit int) error {
	c, err := get(ctx, tx, v, id, getChat)
	if err != nil {
		return err
	}
	switch c.State {
	case Active:
		if c.AgentID != nil && *c.AgentID == v.UserID {
			return nil // accepted already, by this agent: a second click
		}
		return ErrTaken
	case Ended:
		return ErrNotWaiting
	}
	var n int
	if err := tx.GetContext(ctx, &n, activeChatsOf, v.UserID); err != nil {
		return fmt.Errorf("chat: chats of %d: %w", v.UserID, err)
	}
	if n >= limit {
		return ErrLimit
	}
	return ErrTaken
}

// End ends chat id, by its customer or its agent; a waiting chat its customer may end
// too (they gave up waiting; what they wrote stays in the chat, and they may still leave
// it as a ticket).
func (s *Service) End(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	now := s.Now()
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		c, err := get(ctx, tx, v, id, lockChat)
		if err != nil {
			return err
		}
		if p := partyOf(v, c); p != customer && p != agent {
			return ErrNotAllowed
		}
		if c.State == Ended {
			return nil
		}
		return s.end(ctx, tx, actor, v, c, now)
	})
}

// end ends the locked chat c, by v.
func (s *Service) end(ctx context.Context, q database.Queryer, actor audit.Actor, v *access.Viewer, c *Chat, now time.Time) error {
	if _, err := q.ExecContext(ctx, endChat, c.ID, v.UserID, now); err != nil {
		return fmt.Errorf("chat: end %d: %w", c.ID, err)
	}
	old := c.State
	c.State, c.EndedAt = Ended, &now
	if err := publish(ctx, q, c, "chat.ended", nil); err != nil {
		return err
	}
	if old == Waiting {
		if err := publishQueue(ctx, q, c, "chat.gone"); err != nil {
			return err
		}
	}
	return audit.Record(ctx, q, actor, event("chat.end", c, map[string]audit.Change{"state": {Old: old, New: Ended}}))
}

// errStale is a transcript read before someone wrote more in the chat: read it again.
var errStale = errors.New("chat: more was written meanwhile")

// transcript reads chat c's messages as a ticket's transcript.
func (s *Service) transcript(ctx context.Context, c *Chat) (ticket.ChatTranscript, int64, error) {
	ms, err := messages(ctx, s.db, c.ID)
	if err != nil {
		return ticket.ChatTranscript{}, 0, err
	}
	tr := ticket.ChatTranscript{ChatID: c.ID, Subject: subject(ms),
		Customer: &access.Viewer{UserID: c.CustomerID, Name: c.Customer, OrgID: c.OrgID, OrgName: c.OrgName, Lang: c.CustomerLang,
			Roles: []access.Role{access.Customer}}}
	var last int64
	for _, m := range ms {
		line := ticket.ChatLine{AuthorID: m.AuthorID, Staff: m.ByStaff, Body: m.Body, At: m.CreatedAt}
		for _, f := range m.Files {
			f := f
			line.Files = append(line.Files, ticket.File{Name: f.Filename, Size: f.Size, Open: func() (io.ReadCloser, error) {
				return s.blobs.Open(ctx, s.db, f.SHA256)
			}})
		}
		tr.Lines = append(tr.Lines, line)
		last = m.ID
	}
	return tr, last, nil
}

// subject is a ticket's subject from a chat: "Chat: " and the start of its first message.
func subject(ms []Message) string {
	first := ""
	if len(ms) > 0 {
		first = excerpt(ms[0].Body)
	}
	if first == "" {
		return "Chat"
	}
	return "Chat: " + first
}

// excerpt is the start of a message on one line, at most 80 characters.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}

// keep runs the transcript of chat id through into (FromChat or AppendChat), and in its
// transaction: locks the chat, checks it with check, ends it if it is not ended yet,
// writes the ticket it was kept in and records action. A message written after the
// transcript was read makes it read again, so no word is left out.
func (s *Service) keep(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, action string,
	check func(c *Chat) error, into func(tr ticket.ChatTranscript, then ticket.ChatThen) error) (*Chat, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.Get(ctx, v, id)
		if err != nil {
			return nil, err
		}
		if err := check(c); err != nil {
			return nil, err
		}
		tr, last, err := s.transcript(ctx, c)
		if err != nil {
			return nil, err
		}
		if c.AgentID != nil {
			tr.AgentID = *c.AgentID
		}
		now := s.Now()
		err = into(tr, func(ctx context.Context, tx database.Queryer, t *ticket.Ticket) error {
			c, err := get(ctx, tx, v, id, lockChat)
			if err != nil {
				return err
			}
			if err := check(c); err != nil {
				return err
			}
			var newest int64
			if err := tx.GetContext(ctx, &newest, newestMessage, c.ID); err != nil {
				return fmt.Errorf("chat: newest message of %d: %w", c.ID, err)
			}
			if newest != last {
				return errStale
			}
			if c.State != Ended {
				if err := s.end(ctx, tx, actor, v, c, now); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, keepChat, c.ID, t.ID); err != nil {
				return fmt.Errorf("chat: keep %d in %d: %w", c.ID, t.ID, err)
			}
			c.TicketID = &t.ID
			if err := publish(ctx, tx, c, "chat.kept", map[string]any{"ticket": t.ID}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor, event(action, c, map[string]audit.Change{"ticket_id": {New: t.ID}}))
		})
		if errors.Is(err, errStale) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, v, id)
	}
}

// LeaveAsTicket keeps everything the customer v wrote in chat id, which no agent
// answered, as a new ticket: for when nobody accepts it in time, support closes, or no
// agent is left. The chat ends.
func (s *Service) LeaveAsTicket(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) (*Chat, error) {
	check := func(c *Chat) error {
		switch {
		case partyOf(v, c) != customer:
			return ErrNotAllowed
		case c.TicketID != nil:
			return ErrKept
		case c.AgentID != nil:
			return ErrNotAllowed // answered: the agent keeps it
		}
		return nil
	}
	return s.keep(ctx, actor, v, id, "chat.leave_ticket", check, func(tr ticket.ChatTranscript, then ticket.ChatThen) error {
		_, err := s.tickets.FromChat(ctx, actor, tr, then)
		return err
	})
}

// LeaveMessage keeps what the customer v wrote while chat was not offered as a new
// ticket of channel chat straight away: the start of a chat that could not start.
func (s *Service) LeaveMessage(ctx context.Context, actor audit.Actor, v *access.Viewer, body string) (*ticket.Ticket, error) {
	if !v.IsCustomer() || v.OrgID == 0 {
		return nil, ErrNotAllowed
	}
	if strings.TrimSpace(body) == "" {
		return nil, ErrEmpty
	}
	tr := ticket.ChatTranscript{Customer: v, Subject: subject([]Message{{Body: body}}),
		Lines: []ticket.ChatLine{{AuthorID: v.UserID, Body: body, At: s.Now()}}}
	return s.tickets.FromChat(ctx, actor, tr, nil)
}

// Keep turns chat id into a new ticket of channel chat, for the agent v: the chat's own
// agent, or any agent once it has ended. A chat under way ends.
func (s *Service) Keep(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) (*Chat, error) {
	return s.keep(ctx, actor, v, id, "chat.keep", s.agentMayKeep(v), func(tr ticket.ChatTranscript, then ticket.ChatThen) error {
		_, err := s.tickets.FromChat(ctx, actor, tr, then)
		return err
	})
}

// Attach appends chat id's transcript to the existing ticket tid of the chat's
// organisation, for the agent v, as Keep does otherwise.
func (s *Service) Attach(ctx context.Context, actor audit.Actor, v *access.Viewer, id, tid int64) (*Chat, error) {
	return s.keep(ctx, actor, v, id, "chat.attach", s.agentMayKeep(v), func(tr ticket.ChatTranscript, then ticket.ChatThen) error {
		return s.tickets.AppendChat(ctx, actor, v, tid, tr, then)
	})
}

func (s *Service) agentMayKeep(v *access.Viewer) func(c *Chat) error {
	return func(c *Chat) error {
		p := partyOf(v, c)
		switch {
		case p != agent && p != reader:
			return ErrNotAllowed
		case c.TicketID != nil:
			return ErrKept
		case c.AgentID == nil:
			return ErrNotAnswered
		case p == reader && c.State != Ended:
			return ErrNotAllowed
		}
		return nil
	}
}

// Offered reports whether a customer may start a chat now (for the home page).
func (s *Service) Offered(ctx context.Context) (bool, error) {
	o, err := s.Offer(ctx)
	return o.Offered(), err
}
