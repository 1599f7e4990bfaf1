// Package live is Tugi's one live layer: server-sent events over PostgreSQL
// LISTEN/NOTIFY, across any number of tugi serve processes on one database.
//
// # Publishing
//
// A feature publishes inside the transaction of its change, on that transaction:
//
//	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
//		// ... the change and its audit event ...
//		return live.Publish(ctx, tx, live.Event{Topic: "ticket:42", Kind: "ticket.changed",
//			Org: orgID, Data: map[string]any{"ticket": 42}})
//	})
//
// Publish writes the event to the table live_events in that transaction; as it commits, the
// event takes its id and is announced to every process (pg_notify, in a deferred trigger),
// so a change that rolls back publishes nothing. Ids are given in commit order: once a
// client has seen id n, every event below n has committed, and "the events after n" is
// all it can have missed. Signal sends an event that is not kept
// (presence, "is typing"): never replayed, gone if nobody listens at that moment.
//
// Topic is what subscribers choose ("queue", "ticket:42", "chat:7"); Kind says what
// happened; Org is the customer organisation whose data the event tells of, 0 for an
// event only staff may see. Data is marshalled to JSON; keep it small (references and a
// few fields), and let each subscriber render what it may see.
//
// # Streaming
//
// Each process runs one Hub (built in main, passed to app/server): it holds one listening
// connection and passes every event to the streams of that process that chose its topic.
// A feature serves a stream from a route of kind route.Stream:
//
//	func (h *Handler) Live(c echo.Context) error {
//		v := web.ViewerOf(c)
//		// authorise the stream as it opens: 404/403 as for the page itself
//		return h.hub.Serve(c.Response(), c.Request(), live.Stream{
//			Topics: []string{"ticket:42"},
//			Allow:  func(m live.Message) bool { return mayRead(v, m) }, // every event, again
//			Render: func(ctx context.Context, m live.Message) (live.Frame, error) {
//				return live.Frame{Event: "message", Data: html}, nil // per subscriber
//			},
//		})
//	}
//
// Allow is asked for every event before it is rendered or sent, with the event's Org:
// the stream of a customer of organisation A never carries an event of organisation B,
// whatever topic it asked for. An idle stream holds no database connection; Render may
// use the pool briefly for the one event it renders. Streams whose Render makes the same
// frame for everyone (the queue's, for the same filters) name it in Stream.Shared, and
// the hub renders each event once for all of them. Each event goes out with its id
// (SSE "id:"); a client that reconnects sends Last-Event-ID (or ?after=) and is first
// sent, from the table, what it missed of its topics — or, when that can no longer be
// sent event by event (pruned, unknown, too much), Stream.Missed or "reset". Comments
// every Heartbeat keep proxies from closing an idle stream. Hub.Close (at shutdown)
// ends every stream.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tugi/app/database"
)

// Channel is the PostgreSQL notification channel of the live layer.
const Channel = "tugi_live"

// Event is what a feature publishes.
type Event struct {
	Topic string // what subscribers choose: "queue", "ticket:42"
	Kind  string // what happened: "ticket.changed", "message.added"
	Org   int64  // the customer organisation whose data it tells of; 0: staff only
	Data  any    // marshalled to JSON; small
}

// Message is an event as a subscriber receives it.
type Message struct {
	ID    int64           `json:"id"` // 0 for a signal, which is not kept
	Topic string          `json:"topic"`
	Kind  string          `json:"kind"`
	Org   int64           `json:"org,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
	At    time.Time       `json:"at"`
}

// Errors of a malformed event.
var (
	ErrNoTopic = errors.New("live: an event needs a topic and a kind")
)

func (e Event) payload() (string, error) {
	if e.Topic == "" || e.Kind == "" || len(e.Topic) > 200 || len(e.Kind) > 100 {
		return "", ErrNoTopic
	}
	if e.Data == nil {
		return "{}", nil
	}
	b, err := json.Marshal(e.Data)
	if err != nil {
		return "", fmt.Errorf("live: data of %s %s: %w", e.Topic, e.Kind, err)
	}
	return string(b), nil
}

// Publish writes the events es, on q, in one statement: pass the transaction of the
// change, so they commit with it or not at all. As the transaction commits, each event
// takes its id, the next in commit order (and, within the transaction, in the order of
// es), and every process is notified of it (migration 0038): the id is not known before.
func Publish(ctx context.Context, q database.Queryer, es ...Event) error {
	if len(es) == 0 {
		return nil
	}
	topics, kinds, orgs, data := make([]string, len(es)), make([]string, len(es)), make([]int64, len(es)), make([]string, len(es))
	for i, e := range es {
		d, err := e.payload()
		if err != nil {
			return err
		}
		topics[i], kinds[i], orgs[i], data[i] = e.Topic, e.Kind, e.Org, d
	}
	if _, err := q.ExecContext(ctx, publishEvents, pq.StringArray(topics), pq.StringArray(kinds), pq.Int64Array(orgs), pq.StringArray(data)); err != nil {
		return fmt.Errorf("live: publish %s %s: %w", es[0].Topic, es[0].Kind, err)
	}
	return nil
}

// Signal notifies every process of e without keeping it: for what matters only at the
// moment (someone is viewing, typing). A stream that is not open then never sees it. On
// a transaction it is sent at the commit; on the pool at once.
func Signal(ctx context.Context, q database.Queryer, e Event) error {
	data, err := e.payload()
	if err != nil {
		return err
	}
	b, err := json.Marshal(Message{Topic: e.Topic, Kind: e.Kind, Org: e.Org, Data: json.RawMessage(data), At: time.Now()})
	if err != nil {
		return fmt.Errorf("live: signal %s %s: %w", e.Topic, e.Kind, err)
	}
	if len(b) > maxInline {
		return fmt.Errorf("live: signal %s %s: %d bytes, more than a notification carries", e.Topic, e.Kind, len(b))
	}
	if _, err := q.ExecContext(ctx, signalEvent, Channel, string(b)); err != nil {
		return fmt.Errorf("live: signal %s %s: %w", e.Topic, e.Kind, err)
	}
	return nil
}

// Keep is how long events are kept for clients that reconnect.
const Keep = 24 * time.Hour

// PruneEvery is how often the job live.prune runs.
const PruneEvery = 10 * time.Minute

// Prune removes the events older than Keep; the job live.prune runs it.
func Prune(ctx context.Context, q database.Queryer, now time.Time) error {
	if _, err := q.ExecContext(ctx, pruneEvents, now.Add(-Keep)); err != nil {
		return fmt.Errorf("live: prune: %w", err)
	}
	return nil
}

// maxInline is the largest notification that carries the whole event (PostgreSQL takes
// up to 8000 bytes); a larger event is announced by its id and read from the table. The
// trigger that announces kept events (migration 0038) has the same figure, and the same
// Channel.
const maxInline = 7900
