package ticket

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/formtoken"
	"tugi/app/routing"
	"tugi/app/web"
)

// Chat is the channel of a ticket kept from a live chat (app/chat), and of its messages.
const Chat Channel = "chat"

// ChatLine is one message of a chat's transcript: who wrote it (staff or the customer),
// what, when, and the files sent with it (already checked when they were sent, and
// checked again here as any attachment is).
type ChatLine struct {
	AuthorID int64
	Staff    bool
	Body     string
	At       time.Time
	Files    []File
}

// ChatTranscript is what a chat hands to a ticket: the chat, its customer (a viewer
// with their user id, organisation and name), the agent who answered it (0: nobody did,
// and the customer left their words as a ticket), a subject, and every line.
type ChatTranscript struct {
	ChatID   int64
	Customer *access.Viewer
	AgentID  int64
	Subject  string
	Lines    []ChatLine
}

// ChatThen is the chat's own part of the change that keeps its transcript: run in the
// same transaction, after the ticket is written and before its audit events, so the
// chat's state, the ticket and both audit events commit together or not at all.
type ChatThen func(ctx context.Context, tx database.Queryer, t *Ticket) error

// lineBody is what a line's ticket message says: its text, or, for a line that only
// sent files, their names.
func lineBody(l ChatLine) string {
	if strings.TrimSpace(l.Body) != "" {
		return l.Body
	}
	names := make([]string, len(l.Files))
	for i, f := range l.Files {
		names[i] = CleanFilename(f.Name)
	}
	return "📎 " + strings.Join(names, ", ")
}

// FromChat keeps the transcript tr as a new ticket of channel chat, in one transaction
// with then (the chat's own change) and the ticket's audit event (ticket.create, naming
// the chat). Its first message is the customer's first line; every other line follows,
// each by its author, with its files (attached after the same checks and quota as any
// attachment; a *FileError refuses them, and nothing is written).
//
// Answered by an agent (tr.AgentID), the ticket is open and theirs, and the chat was its
// first response (the first-response clock stops, as for a phone call). Left by the
// customer whom nobody answered, it is a new ticket like one opened on the web: routed by
// the rules, its clocks running, and its confirmation mailed.
func (s *Service) FromChat(ctx context.Context, actor audit.Actor, tr ChatTranscript, then ChatThen) (*Ticket, error) {
	v := tr.Customer
	if v == nil || v.OrgID == 0 || len(tr.Lines) == 0 || tr.Lines[0].Staff {
		return nil, ErrNotAllowed
	}
	checked := make([][]checkedFile, len(tr.Lines))
	for i, l := range tr.Lines {
		var err error
		if checked[i], err = s.limits.Check(l.Files); err != nil {
			return nil, err
		}
	}
	cal, err := s.calendars.Current(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.facts(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := chatCategory(fs.choices)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var t *Ticket
	err = database.WithTx(ctx, s.db, func(sqltx *sqlx.Tx) error {
		tx := s.reads.Tx(sqltx)
		st := NewStore(tx)
		subject := tr.Subject
		route := fs.routes.Decide(routing.Facts{CategoryID: cat.ID, OrgID: v.OrgID, Priority: InitialPriority(OnePerson, false), Subject: subject})
		team, priority := route.TeamID, route.Priority
		policy, ok := fs.policies[priority]
		if !ok {
			return fmt.Errorf("ticket: no SLA policy for priority %q", priority)
		}
		rules := SLA{Cal: cal, Policy: policy}
		clocks := rules.Created(now)
		status := New
		var assignee *int64
		var told *opened // what the notices of a ticket routing assigned need not read
		if tr.AgentID != 0 {
			agent := tr.AgentID
			assignee, status = &agent, Open
			clocks = rules.AgentReplied(clocks, now)
		} else if team != nil {
			agent, err := routing.Assign(ctx, tx, *team, 0)
			if err != nil {
				return err
			}
			if agent != nil {
				assignee = &agent.ID
				told = &opened{assignee: (*recipient)(agent)}
			}
		}
		nt := NewTicket{OrgID: v.OrgID, RequesterID: v.UserID, CreatedBy: v.UserID, Subject: subject, CategoryID: cat.ID,
			Impact: OnePerson, Priority: priority, Channel: Chat, TeamID: team, AssigneeID: assignee, At: now,
			NextDueAt: clocks.NextDue(cal), ReplyDueAt: clocks.ReplyDue(cal)}
		id, firstID, err := st.Open(ctx, nt, status, v.UserID, lineBody(tr.Lines[0]), clocks, cal, policy.WarnPercent)
		if err != nil {
			return err
		}
		msgIDs, attached, err := s.addChatLines(ctx, st, id, v.OrgID, firstID, tr.Lines, checked, now)
		if err != nil {
			return err
		}
		t = nt.ticket(id, status, fs.choices)
		t.OrgName, t.Requester = v.OrgName, v.Name
		if tr.AgentID == 0 {
			if err := s.notifyCreated(ctx, tx, t, told, cal, true); err != nil {
				return err
			}
		}
		if then != nil {
			if err := then(ctx, tx, t); err != nil {
				return err
			}
		}
		if err := formtoken.Locate(ctx, tx, ticketPath(id)); err != nil {
			return err
		}
		changes := map[string]audit.Change{
			"requester_id": {New: v.UserID},
			"category_id":  {New: cat.ID},
			"priority":     {New: priority},
			"status":       {New: status},
			"channel":      {New: Chat},
			"chat_id":      {New: tr.ChatID},
			"message_ids":  {New: msgIDs},
		}
		if team != nil {
			changes["team_id"] = audit.Change{New: *team}
		}
		if assignee != nil {
			changes["assignee_id"] = audit.Change{New: *assignee}
		}
		if len(attached) > 0 {
			changes["attachment_ids"] = audit.Change{New: attached}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "ticket.create", ObjectType: "ticket",
			ObjectID: strconv.FormatInt(id, 10), OrgID: v.OrgID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AppendChat appends the transcript tr to ticket id, for the agent v: the ticket must be
// one of the chat's organisation (ErrNotFound otherwise, as for a ticket v cannot see).
// Every line becomes a public message of channel chat by its author, with its files; the
// chat answered the customer, so it counts as the agent's reply for the clocks (a new
// ticket becomes open). Audited as ticket.chat, in one transaction with then.
func (s *Service) AppendChat(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, tr ChatTranscript, then ChatThen) error {
	if tr.Customer == nil || len(tr.Lines) == 0 {
		return ErrNotAllowed
	}
	checked := make([][]checkedFile, len(tr.Lines))
	for i, l := range tr.Lines {
		var err error
		if checked[i], err = s.limits.Check(l.Files); err != nil {
			return err
		}
	}
	return s.apply(ctx, actor, v, id, func(c *change) error {
		if !c.scope.Staff() {
			return ErrNotAllowed
		}
		if c.t.OrgID != tr.Customer.OrgID {
			return ErrNotFound
		}
		if c.t.Status == Closed {
			return ErrClosed
		}
		msgIDs, attached, err := s.addChatLines(ctx, c.st, c.t.ID, c.t.OrgID, 0, tr.Lines, checked, c.now)
		if err != nil {
			return err
		}
		rules, err := c.rules()
		if err != nil {
			return err
		}
		c.clocks = rules.AgentReplied(c.clocks, c.now)
		if c.t.Status == New || c.t.Status == Waiting {
			if err := c.setStatus(Open); err != nil {
				return err
			}
		}
		c.touched = true
		if then != nil {
			if err := then(ctx, c.st.q, c.t); err != nil {
				return err
			}
		}
		changes := map[string]audit.Change{"chat_id": {New: tr.ChatID}, "message_ids": {New: msgIDs}, "channel": {New: Chat}}
		if len(attached) > 0 {
			changes["attachment_ids"] = audit.Change{New: attached}
		}
		if c.old.Status != c.t.Status {
			changes["status"] = audit.Change{Old: c.old.Status, New: c.t.Status}
		}
		c.record("ticket.chat", changes)
		return nil
	})
}

// addChatLines writes the lines of a transcript as messages of ticket id, all at now:
// the first one's message is firstID when the ticket was just opened with it (0: write
// it too). It returns the messages' ids and the attachments'.
func (s *Service) addChatLines(ctx context.Context, st *Store, id, orgID, firstID int64, lines []ChatLine, checked [][]checkedFile, now time.Time) ([]int64, []int64, error) {
	var msgIDs, attached []int64
	for i, l := range lines {
		msgID := firstID
		if i > 0 || firstID == 0 {
			var err error
			msgID, err = st.AddMessage(ctx, NewMessage{TicketID: id, OrgID: orgID, AuthorID: l.AuthorID, Channel: Chat, Body: lineBody(l), At: now})
			if err != nil {
				return nil, nil, err
			}
		}
		msgIDs = append(msgIDs, msgID)
		ids, err := st.attach(ctx, s.blobs, s.limits.OrgQuota, id, orgID, msgID, l.AuthorID, checked[i], now)
		if err != nil {
			return nil, nil, err
		}
		attached = append(attached, ids...)
	}
	return msgIDs, attached, nil
}

// chatCategory is the category a chat's ticket starts in: the first that customers may
// choose and that is no security concern; the agent recategorises it as they see fit.
func chatCategory(ch Choices) (Category, error) {
	for _, c := range ch.Categories {
		if !c.Security {
			return c, nil
		}
	}
	return Category{}, ErrNoSuchCategory
}

// CheckedFile is a file that passed the checks of an attachment: its name cleaned, its
// type as detected from its bytes, its size, and how to read it.
type CheckedFile struct {
	Name        string
	ContentType string
	Size        int64
	Open        func() (io.ReadCloser, error)
}

// CheckFiles checks files as a ticket message's attachments are checked (Check), for a
// feature that keeps files of its own before they reach a ticket (a chat's).
func (l AttachmentLimits) CheckFiles(files []File) ([]CheckedFile, error) {
	cs, err := l.Check(files)
	if err != nil {
		return nil, err
	}
	out := make([]CheckedFile, len(cs))
	for i, c := range cs {
		out[i] = CheckedFile{Name: c.name, ContentType: c.mime, Size: c.size, Open: c.open}
	}
	return out, nil
}

// Uploads takes the files of a form's field as the ticket forms do (each checked against
// limits; a refused one fails the form beside the field, saying why), for another
// feature's form that carries files (a chat's).
func Uploads(c echo.Context, form *web.Form, field string, limits AttachmentLimits) ([]File, error) {
	h := &Handler{svc: &Service{limits: limits}}
	return h.uploads(c, form, field)
}

// RefusedFiles reports whether err refuses files (a *FileError) and if so fails the form
// beside field with what the ticket forms say of it.
func RefusedFiles(c echo.Context, form *web.Form, field string, err error, limits AttachmentLimits) bool {
	return refusedFiles(c, form, field, err, limits)
}

// SendFile sends a file kept by another feature (a chat's) as an attachment is sent:
// as a download named name, that a browser showing it anyway lets do nothing, kept by
// no cache.
func SendFile(c echo.Context, name, contentType string, size int64, r io.Reader) error {
	if contentType == "" {
		contentType = echo.MIMEOctetStream
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, contentDisposition(name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", downloadPolicy)
	hd.Set("Cache-Control", "private, no-store")
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	return c.Stream(http.StatusOK, contentType, r)
}
