// Package chat is live chat with support: a signed-in customer starts a chat while
// support is open by the support calendar and an agent is available, waits in a queue
// that tells their place and an honest estimate, and talks with the one agent who
// accepted it; outside hours, with nobody available or nobody answering in time, they
// leave every word they wrote as a ticket instead. The transcript is kept as a ticket of
// channel chat (app/ticket's FromChat and AppendChat). Messages, "seen" and "is typing"
// reach both sides through the live layer (app/live).
//
// Who may read a chat is decided in one place, mayRead: its customer, and the agents
// (the chat's own agent writes; the others read). Every query of a chat for a person goes
// through it, and so does every event of a chat's stream.
package chat

import (
	"errors"
	"strconv"
	"time"

	"tugi/app/access"
)

// State is where a chat stands.
type State string

// The states of a chat.
const (
	Waiting State = "waiting" // for an agent to accept it
	Active  State = "active"  // an agent accepted it; both sides write
	Ended   State = "ended"   // either side ended it, or the customer left it as a ticket
)

// Chat is one chat, as pages show it.
type Chat struct {
	ID             int64      `db:"id"`
	OrgID          int64      `db:"org_id"`
	OrgName        string     `db:"org_name"`
	CustomerID     int64      `db:"customer_id"`
	Customer       string     `db:"customer_name"`
	CustomerEmail  string     `db:"customer_email"`
	CustomerLang   string     `db:"customer_lang"`
	AgentID        *int64     `db:"agent_id"`
	Agent          *string    `db:"agent_name"`
	State          State      `db:"state"`
	CreatedAt      time.Time  `db:"created_at"`
	AcceptedAt     *time.Time `db:"accepted_at"`
	EndedAt        *time.Time `db:"ended_at"`
	EndedBy        *int64     `db:"ended_by"`
	TicketID       *int64     `db:"ticket_id"`
	CustomerSeenID int64      `db:"customer_seen_id"`
	AgentSeenID    int64      `db:"agent_seen_id"`
	First          string     `db:"first_body"` // its first message, in the agents' lists
}

// Path is where the chat's page is.
func (c *Chat) Path() string { return chatPath(c.ID) }

func chatPath(id int64) string { return "/chat/" + strconv.FormatInt(id, 10) }

// Topic is the live layer's topic of the chat's events.
func Topic(id int64) string { return "chat:" + strconv.FormatInt(id, 10) }

// QueueTopic is the topic of the agents' list of chats: a chat waits, is taken or ends.
const QueueTopic = "chats"

// Message is one message of a chat.
type Message struct {
	ID        int64     `db:"id"`
	ChatID    int64     `db:"chat_id"`
	AuthorID  int64     `db:"author_id"`
	Author    string    `db:"author_name"`
	ByStaff   bool      `db:"by_staff"`
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
	Files     []File    `db:"-"`
}

// File is a file sent in a chat.
type File struct {
	ID          int64  `db:"id"`
	ChatID      int64  `db:"chat_id"`
	MessageID   int64  `db:"message_id"`
	Filename    string `db:"filename"`
	ContentType string `db:"content_type"`
	Size        int64  `db:"size"`
	SHA256      string `db:"sha256"`
}

// URL is where the file is downloaded.
func (f File) URL() string {
	return chatPath(f.ChatID) + "/files/" + strconv.FormatInt(f.ID, 10)
}

// MaxBody is the longest message, in bytes.
const MaxBody = 4000

// Errors of chat operations that a person can act on.
var (
	ErrNotFound    = errors.New("chat: not found")
	ErrNotAllowed  = errors.New("chat: not allowed")
	ErrClosed      = errors.New("chat: support is not open for chat now")
	ErrOpenChat    = errors.New("chat: the customer has a chat waiting or under way")
	ErrTaken       = errors.New("chat: another agent accepted the chat first")
	ErrLimit       = errors.New("chat: the agent holds as many chats as they may")
	ErrNotWaiting  = errors.New("chat: the chat no longer waits")
	ErrEnded       = errors.New("chat: the chat has ended")
	ErrKept        = errors.New("chat: the chat's transcript is already kept in a ticket")
	ErrEmpty       = errors.New("chat: nothing written")
	ErrNotAnswered = errors.New("chat: no agent answered the chat")
)

// party is how v stands to chat c: its customer, its agent, another agent (who reads),
// or nobody (who gets nothing, as if the chat did not exist).
type party int

const (
	nobody party = iota
	customer
	agent
	reader
)

// partyOf decides how v stands to c. A customer is a party only to their own chat (not
// to another's of their organisation); any agent reads every chat, and writes in the one
// they accepted.
func partyOf(v *access.Viewer, c *Chat) party {
	switch {
	case v == nil || c == nil:
		return nobody
	case v.IsCustomer():
		if v.UserID == c.CustomerID && v.OrgID == c.OrgID {
			return customer
		}
		return nobody
	case v.Has(access.Agent):
		if c.AgentID != nil && *c.AgentID == v.UserID {
			return agent
		}
		return reader
	}
	return nobody
}

// mayRead reports whether v may read chat c at all.
func mayRead(v *access.Viewer, c *Chat) bool { return partyOf(v, c) != nobody }
