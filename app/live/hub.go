package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/database"
)

// Options are what a Hub is built from.
type Options struct {
	DB  *sqlx.DB // the pool: replays and catch-ups read the table through it, briefly
	DSN string   // the database, for the hub's own listening connection
	Log *slog.Logger
	// Heartbeat is how often an idle stream gets a comment, so proxies do not close it;
	// DefaultHeartbeat when zero.
	Heartbeat time.Duration
}

// DefaultHeartbeat keeps a stream from looking idle to proxies, whose idle timeouts are
// commonly 30 or 60 seconds (nginx's proxy_read_timeout is 60 s).
const DefaultHeartbeat = 20 * time.Second

// Buffer is how many events a stream may fall behind before it is ended: a client that
// reads too slowly is disconnected, reconnects with Last-Event-ID and is sent what it
// missed from the table, so nothing is lost and no slow reader holds up the others.
const Buffer = 32

// Hub is one process's part of the live layer: one listening connection to PostgreSQL,
// and the streams of this process, each sent the events of its topics.
type Hub struct {
	db        *sqlx.DB
	dsn       string
	log       *slog.Logger
	heartbeat time.Duration

	mu      sync.Mutex
	topics  map[string]map[*subscription]struct{}
	streams map[*subscription]struct{} // every subscription, for Close
	closed  bool

	done      chan struct{} // closed by Close: every stream ends
	ready     chan struct{} // closed once the hub first listens
	readyOnce sync.Once
	latest    atomic.Int64 // the newest event id passed on; only Run's goroutine stores it
	open      atomic.Int64 // streams open now

	listened bool // whether the hub has listened before; only Run's goroutine touches it
}

// NewHub returns a hub; Run makes it listen.
func NewHub(o Options) *Hub {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Hub{db: o.DB, dsn: o.DSN, log: o.Log, heartbeat: o.Heartbeat,
		topics: map[string]map[*subscription]struct{}{}, streams: map[*subscription]struct{}{}, done: make(chan struct{}), ready: make(chan struct{})}
}

// Ready is closed once the hub listens: events committed from then on reach its streams.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Open is how many streams this process serves now.
func (h *Hub) Open() int64 { return h.open.Load() }

// Close ends every stream of the hub and refuses new ones (503): at shutdown, so the
// clients reconnect to another process and the server's Shutdown is not held up by
// streams that never end by themselves. It may be called more than once.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
		for s := range h.streams {
			h.end(s)
		}
	}
}

// Done is closed when the hub is closed.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Position is the id of the newest event this process has received: a page rendered
// now can start its stream after it (Stream.After), so that what happens between the
// page and its stream is not missed.
func (h *Hub) Position() int64 { return h.latest.Load() }

// Latest reads the id of the newest event from the table.
func (h *Hub) Latest(ctx context.Context) (int64, error) {
	var id int64
	if err := h.db.GetContext(ctx, &id, latestEvent); err != nil {
		return 0, fmt.Errorf("live: latest: %w", err)
	}
	return id, nil
}

// subscription is one stream's place in the hub.
type subscription struct {
	topics []string
	ch     chan *event
	// ended is closed when the stream is to end: it fell Buffer events behind, or the
	// hub closed. One of each stream's own, not the hub's done: a channel that 1,000
	// streams wait on is locked by each of them at every event.
	ended chan struct{}
	over  bool // whether ended is closed; h.mu guards it
}

// event is a Message as the hub passes it on: one for all the streams it goes to, which
// keep on it the frames rendered of it once for the streams that render alike
// (Stream.Shared), so that an event sent to a thousand queues is rendered once.
type event struct {
	Message
	frames atomic.Pointer[rendered] // the frames rendered so far, the newest first
	mu     sync.Mutex               // held to render one
}

// rendered is an event's frame as the streams of one Shared send it.
type rendered struct {
	key  string
	wire []byte // with the event's id; nil: they send nothing
	next *rendered
}

// find is the frame the streams of key send, nil when not rendered yet.
func (e *event) find(key string) *rendered {
	for r := e.frames.Load(); r != nil; r = r.next {
		if r.key == key {
			return r
		}
	}
	return nil
}

// subscribe adds a subscription to topics; it fails once the hub is closed.
func (h *Hub) subscribe(topics []string) (*subscription, error) {
	s := &subscription{topics: topics, ch: make(chan *event, Buffer), ended: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosed
	}
	for _, t := range topics {
		subs := h.topics[t]
		if subs == nil {
			subs = map[*subscription]struct{}{}
			h.topics[t] = subs
		}
		subs[s] = struct{}{}
	}
	h.streams[s] = struct{}{}
	h.open.Add(1)
	return s, nil
}

var errClosed = errors.New("live: the hub is closed")

// unsubscribe removes s, whether or not it was ended.
func (h *Hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remove(s)
	delete(h.streams, s)
	h.open.Add(-1)
}

// remove takes s out of its topics; h.mu is held.
func (h *Hub) remove(s *subscription) {
	for _, t := range s.topics {
		if subs := h.topics[t]; subs != nil {
			delete(subs, s)
			if len(subs) == 0 {
				delete(h.topics, t)
			}
		}
	}
}

// end takes s out of its topics and ends its stream; h.mu is held.
func (h *Hub) end(s *subscription) {
	if !s.over {
		s.over = true
		h.remove(s)
		close(s.ended)
	}
}

// deliver passes e to every subscription of its topic. One whose buffer is full is
// dropped: its stream ends and its client catches up from the table.
func (h *Hub) deliver(e *event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.topics[e.Topic] {
		select {
		case s.ch <- e:
		default:
			h.end(s)
		}
	}
}

// Run holds the hub's listening connection until ctx ends, then closes the hub. A lost
// connection is opened again (within seconds), and the events committed meanwhile are
// read from the table and passed on, none twice. A server that stops answering (its
// kernel still acknowledging) is noticed by a ping every pingEvery.
func (h *Hub) Run(ctx context.Context) {
	defer h.Close()
	for ctx.Err() == nil {
		if err := h.listen(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("live: listening connection lost; reconnecting", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

const (
	pingEvery = 15 * time.Second
	pingWait  = 10 * time.Second
	// catchUpBatch is how many events a catch-up reads at a time.
	catchUpBatch = 1000
)

// listen opens a listener and passes its notifications on until ctx ends or the
// connection is lost for good.
func (h *Hub) listen(ctx context.Context) error {
	l := pq.NewDialListener(database.ListenDialer(), h.dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected:
			h.log.Warn("live: listening connection lost", "error", err)
		case pq.ListenerEventConnectionAttemptFailed:
			h.log.Warn("live: cannot connect to listen", "error", err)
		}
	})
	defer l.Close()
	listening := make(chan error, 1)
	go func() { listening <- l.Listen(Channel) }()
	select {
	case <-ctx.Done():
		return nil
	case err := <-listening:
		if err != nil {
			return fmt.Errorf("live: listen: %w", err)
		}
	}
	if !h.listened { // where pages start their streams (Position), before any event came
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		id, err := h.Latest(lctx)
		cancel()
		if err != nil {
			return err
		}
		h.latest.Store(id)
		h.listened = true
	} else if err := h.catchUp(ctx); err != nil { // a new connection after the last one was lost
		return err
	}
	h.readyOnce.Do(func() { close(h.ready) })
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n == nil { // the listener reconnected by itself: what came meanwhile?
				if err := h.catchUp(ctx); err != nil {
					return err // listen again, and catch up then
				}
				continue
			}
			h.receive(ctx, n.Extra)
		case <-ping.C:
			answered := make(chan error, 1)
			go func() { answered <- l.Ping() }()
			select {
			case <-answered: // an error means the listener is reconnecting by itself
			case <-time.After(pingWait):
				return errors.New("live: the database did not answer a ping")
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// notification is what a notification of the channel carries: a whole Message, or only
// its id, topic and More when it was too large.
type notification struct {
	Message
	More bool `json:"more"`
}

// receive passes on the event of one notification.
func (h *Hub) receive(ctx context.Context, payload string) {
	var n notification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		h.log.Error("live: a notification that is no event", "error", err)
		return
	}
	m := n.Message
	if n.More && m.ID > h.latest.Load() {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := h.db.GetContext(rctx, &m, getEvent, n.ID)
		cancel()
		if err != nil {
			h.log.Error("live: reading an event announced by id", "id", n.ID, "error", err)
			return
		}
	}
	h.pass(m)
}

// pass delivers m unless it was passed on already. Kept events come in the order of
// their ids (the order of their commits, in which PostgreSQL delivers notifications), so
// one at or below the newest passed on came before, by notification or by a catch-up.
func (h *Hub) pass(m Message) {
	if m.ID != 0 {
		if m.ID <= h.latest.Load() {
			return
		}
		h.latest.Store(m.ID)
	}
	h.deliver(&event{Message: m})
}

// catchUp passes on the events committed after the newest passed on: those committed
// while the listening connection was down.
func (h *Hub) catchUp(ctx context.Context) error {
	n := 0
	for {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var ms []Message
		err := h.db.SelectContext(rctx, &ms, recentEvents, h.latest.Load(), catchUpBatch)
		cancel()
		if err != nil {
			return fmt.Errorf("live: catching up after a lost connection: %w", err)
		}
		for _, m := range ms {
			h.pass(m)
		}
		n += len(ms)
		if len(ms) < catchUpBatch {
			break
		}
	}
	h.log.Info("live: listening again", "caught_up", n)
	return nil
}
