package live

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Stream is what a feature's stream route asks of the hub.
type Stream struct {
	// Topics are the topics whose events the stream carries.
	Topics []string
	// Allow decides, for every event before it is rendered or sent, whether this
	// stream's viewer may receive it: the feature's scope, asked again per event (with
	// Message.Org, the event's organisation). Required.
	Allow func(Message) bool
	// Render turns an allowed event into what this stream sends; a Frame with no Data
	// sends nothing. It may read the database (briefly, through the pool). When nil, the
	// event goes out as its Kind with its Data as JSON.
	Render func(ctx context.Context, m Message) (Frame, error)
	// Shared, when not empty, says that Render makes the same frame of an event for every
	// stream of the same Shared, whoever views it (its output depends on nothing but the
	// event and what Shared names: the queue's filters, say). The hub then renders each
	// event once for all of them and sends them the same bytes; Allow is still asked of
	// each. Such a Render is not cancelled with the stream it happens to render for. The
	// default rendering (Render nil) is shared so by itself.
	Shared string
	// After is where the stream starts when the client names no Last-Event-ID nor
	// ?after=: the events after this id are sent first (Hub.Position when the page was
	// rendered), 0 for only those from now on.
	After int64
	// Snapshot, when set, is sent each time the stream opens — a page's first connection
	// and every reconnect of its browser — after the replay and before anything live:
	// frames (without ids) that bring the page up to date as a whole, its current state
	// and what signals told, which are never replayed ("typing"). A frame with no data
	// sends nothing. It may read the database briefly.
	Snapshot func(ctx context.Context) ([]Frame, error)
	// Missed, when set, brings the page up to date when what its client missed cannot be
	// sent event by event: more than ReplayLimit events, or events the table no longer
	// keeps (older than Keep: pruned), or a Last-Event-ID the table does not know. Its
	// frames go out instead of the replay, with the newest event's id (where a reconnect
	// then starts). When nil, the stream is sent "reset" then (the page loads again) —
	// unless it has a Snapshot, which brings it up to date on every open anyway: then
	// only more than ReplayLimit events reset it. It may read the database briefly.
	Missed func(ctx context.Context) ([]Frame, error)
	// Opened runs once the stream is open and subscribed (to announce presence, say),
	// Beat on every heartbeat, Closed when it ends. Any may be nil.
	Opened, Beat, Closed func()
}

// Frame is one server-sent event: its name (what htmx's sse-swap matches) and its data,
// HTML or text, which may run over several lines.
type Frame struct {
	Event string
	Data  string
}

// ReplayLimit is the most events a reconnecting stream is sent from the table; a client
// further behind is sent the event "reset" instead (with the newest event's id, where a
// reconnect starts) and should load its page again; the stream then goes on live.
const ReplayLimit = 500

// frameWait is how long one frame may take to leave: a client that reads nothing for
// that long is disconnected (a stream has no write deadline otherwise).
const frameWait = 30 * time.Second

// resetFrame tells a page to load again (static/js/live.js).
var resetFrame = Frame{Event: "reset", Data: "reset"}

// Serve serves one stream of server-sent events on w until the client leaves, the
// stream falls too far behind (its client reconnects and catches up) or the hub closes.
// The caller has authorised the stream as it opened; Allow authorises every event.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, st Stream) error {
	if st.Allow == nil {
		return fmt.Errorf("live: a stream of %v without Allow", st.Topics)
	}
	s, err := h.subscribe(st.Topics)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return nil
	}
	defer h.unsubscribe(s)
	if st.Closed != nil {
		defer st.Closed()
	}
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // nginx: pass each event on as it comes
	w.WriteHeader(http.StatusOK)
	ctx := r.Context()
	out := &writer{w: w, rc: rc}
	defer out.done()
	// The client waits this long before it reconnects after the stream ends.
	if err := out.write(retryLine); err != nil {
		return nil
	}
	// sent is the id the stream is at: events at or below it were sent from the table
	// (and may come again from the live buffer, subscribed before the replay: skipped).
	// Ids are given in commit order, so nothing below it can still come.
	var sent int64
	if after, ok := startAfter(r, st.After); ok {
		if sent, err = h.catchUpStream(ctx, out, st, after); err != nil {
			return nil // the client reconnects and asks again
		}
	}
	if st.Snapshot != nil {
		fs, err := st.Snapshot(ctx)
		if err != nil {
			h.log.Error("live: snapshot", "topics", st.Topics, "error", err)
			return nil // the client reconnects and asks again
		}
		for _, f := range fs {
			if f.Data == "" {
				continue
			}
			if err := out.send(f, 0); err != nil {
				return nil
			}
		}
	}
	if err := out.flush(); err != nil { // the replay and the snapshot, at once
		return nil
	}
	if st.Opened != nil {
		st.Opened()
	}
	next := func(e *event) error {
		if e.ID != 0 {
			if e.ID <= sent {
				return nil
			}
			sent = e.ID
		}
		return h.sendOne(ctx, out, st, e)
	}
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	for {
		select {
		case e := <-s.ch:
			if err := next(e); err != nil {
				return nil
			}
			// The events that came meanwhile (a burst, or a stream that fell behind)
			// leave with it, in one flush.
			for n := len(s.ch); n > 0; n-- {
				if err := next(<-s.ch); err != nil {
					return nil
				}
			}
			if err := out.flush(); err != nil {
				return nil
			}
		case <-beat.C:
			if err := out.write(heartbeatLine); err != nil {
				return nil
			}
			if st.Beat != nil {
				st.Beat()
			}
		case <-s.ended: // fell behind, or the hub closed
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// catchUpStream sends a stream that starts after event id after what it missed of its
// topics, from the table (unflushed), and returns the id it is at then. What cannot be sent event by
// event (too much, pruned, or after an id the table does not know) is sent as st.Missed
// or "reset" instead. An error (logged, or the client's) ends the stream.
func (h *Hub) catchUpStream(ctx context.Context, out *writer, st Stream, after int64) (int64, error) {
	ms, err := h.replay(ctx, st.Topics, after)
	if err != nil {
		h.log.Error("live: replay", "error", err)
		return 0, err
	}
	sent, whole := after, true
	var newest int64
	if len(ms) >= ReplayLimit {
		whole = false
		if newest, err = h.Latest(ctx); err != nil {
			h.log.Error("live: replay", "error", err)
			return 0, err
		}
	} else if len(ms) == 0 || ms[0].ID != after+1 {
		// Whether the events after the client's id are all still kept: ids are given
		// one after another at the commits (a gap is a commit that failed, rare), and
		// pruning removes the oldest. The newest id known is the table's or, when it
		// was pruned to nothing, the newest this process passed on (a page's ?after=).
		var oldest int64
		if oldest, newest, err = h.bounds(ctx); err != nil {
			h.log.Error("live: replay", "error", err)
			return 0, err
		}
		newest = max(newest, h.Position())
		if oldest == 0 {
			oldest = newest + 1
		}
		whole = after >= oldest-1 && after <= newest
		sent = min(sent, newest) // an id nobody gave: what comes is new
	}
	if !whole && (len(ms) >= ReplayLimit || st.Missed != nil || st.Snapshot == nil) {
		fs := []Frame{resetFrame}
		if st.Missed != nil {
			if fs, err = st.Missed(ctx); err != nil {
				h.log.Error("live: missed", "topics", st.Topics, "error", err)
				return 0, err
			}
		}
		for _, f := range fs {
			if f.Data == "" {
				continue
			}
			if err := out.send(f, newest); err != nil {
				return 0, err
			}
		}
		return newest, nil
	}
	for _, m := range ms {
		sent = m.ID
		if err := h.sendOne(ctx, out, st, &event{Message: m}); err != nil {
			return 0, err
		}
	}
	return sent, nil
}

// sendOne writes e if st allows it, rendered by st: the frame shared by the streams that
// render alike, or one of its own. The caller flushes.
func (h *Hub) sendOne(ctx context.Context, out *writer, st Stream, e *event) error {
	if !st.Allow(e.Message) {
		return nil
	}
	if st.Render == nil || st.Shared != "" {
		if wire := h.shared(ctx, st, e); wire != nil {
			return out.put(wire)
		}
		return nil
	}
	f, ok := h.render(ctx, st, e.Message)
	if !ok || f.Data == "" {
		return nil
	}
	return out.send(f, e.ID)
}

// render renders m for st, logging an error: the stream goes on, the event is lost to
// its client only.
func (h *Hub) render(ctx context.Context, st Stream, m Message) (Frame, bool) {
	if st.Render == nil {
		return Frame{Event: m.Kind, Data: string(m.Data)}, true
	}
	f, err := st.Render(ctx, m)
	if err != nil {
		h.log.Error("live: rendering an event", "topic", m.Topic, "kind", m.Kind, "id", m.ID, "error", err)
		return Frame{}, false
	}
	return f, true
}

// shared is e's frame as the streams rendering like st send it, rendered by the first of
// them to ask: nil when they send nothing.
func (h *Hub) shared(ctx context.Context, st Stream, e *event) []byte {
	key := st.Shared
	if st.Render == nil {
		key = "" // the default rendering; a Shared is never empty
	}
	if r := e.find(key); r != nil {
		return r.wire
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.find(key); r != nil {
		return r.wire
	}
	r := &rendered{key: key, next: e.frames.Load()}
	if f, ok := h.render(context.WithoutCancel(ctx), st, e.Message); ok && f.Data != "" {
		r.wire = appendFrame(nil, f, e.ID)
	}
	e.frames.Store(r)
	return r.wire
}

// startAfter is the id after which the stream starts, and whether it starts from the
// table at all: the client's Last-Event-ID (sent by the browser when it reconnects by
// itself), else ?after= (a page's Position), else the stream's own After when not 0.
func startAfter(r *http.Request, own int64) (int64, bool) {
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id >= 0 {
			return id, true
		}
	}
	return own, own > 0
}

// replay reads the events of topics after id from the table, using the pool briefly.
func (h *Hub) replay(ctx context.Context, topics []string, after int64) ([]Message, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var ms []Message
	if err := h.db.SelectContext(rctx, &ms, replayEvents, pq.Array(topics), after, ReplayLimit); err != nil {
		return nil, fmt.Errorf("live: replay after %d: %w", after, err)
	}
	return ms, nil
}

// bounds reads the ids of the oldest and the newest event the table keeps (0, 0 when
// none), using the pool briefly.
func (h *Hub) bounds(ctx context.Context) (oldest, newest int64, err error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := h.db.QueryRowContext(rctx, eventBounds).Scan(&oldest, &newest); err != nil {
		return 0, 0, fmt.Errorf("live: bounds of the events kept: %w", err)
	}
	return oldest, newest, nil
}

// The lines a stream writes besides events: how long the client waits before it
// reconnects, and the heartbeat, a comment the client ignores.
var (
	retryLine     = []byte("retry: 2000\n\n")
	heartbeatLine = []byte(":\n\n")
)

// writer writes server-sent events, each within frameWait.
type writer struct {
	w     io.Writer
	rc    *http.ResponseController
	buf   []byte    // a frame of this stream's own, reused
	until time.Time // the write deadline set last
}

// maxKept is the largest frame buffer a stream keeps between frames.
const maxKept = 4 << 10

// send writes one event with its id (none when 0), unflushed.
func (o *writer) send(f Frame, id int64) error {
	o.buf = appendFrame(o.buf[:0], f, id)
	err := o.put(o.buf)
	if cap(o.buf) > maxKept {
		o.buf = nil
	}
	return err
}

// write writes b and flushes it.
func (o *writer) write(b []byte) error {
	if err := o.put(b); err != nil {
		return err
	}
	return o.flush()
}

// put writes b, to leave at the next flush (or sooner, when the connection's buffer is
// full). The write deadline is moved at most once a second (every frame has at least
// frameWait less a second to leave), not twice per frame.
func (o *writer) put(b []byte) error {
	if now := time.Now(); o.until.Sub(now) < frameWait-time.Second {
		o.until = now.Add(frameWait)
		_ = o.rc.SetWriteDeadline(o.until) // a test's recorder has none
	}
	_, err := o.w.Write(b)
	return err
}

// flush sends what was put.
func (o *writer) flush() error { return o.rc.Flush() }

// done lifts the write deadline as the stream ends, for what the server writes after it.
func (o *writer) done() {
	if !o.until.IsZero() {
		_ = o.rc.SetWriteDeadline(time.Time{})
	}
}

// appendFrame appends f as it goes out, with id (none when 0): a name with no line
// breaks, and each line of the data (without carriage returns) a data field.
func appendFrame(b []byte, f Frame, id int64) []byte {
	if id != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '\n')
	}
	if f.Event != "" {
		b = append(b, "event: "...)
		b = appendWithout(b, f.Event, "\r\n")
		b = append(b, '\n')
	}
	for data := f.Data; data != ""; {
		line, rest, _ := strings.Cut(data, "\n")
		b = append(b, "data: "...)
		b = appendWithout(b, line, "\r")
		b = append(b, '\n')
		data = rest
	}
	return append(b, '\n')
}

// appendWithout appends s without the bytes of cut.
func appendWithout(b []byte, s, cut string) []byte {
	for {
		i := strings.IndexAny(s, cut)
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		s = s[i+1:]
	}
}

// JSON is a Render for streams whose client reads the data as JSON: the event's Kind
// as its name, and the Message (id, topic, kind, data, at) as its data.
func JSON(_ context.Context, m Message) (Frame, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return Frame{}, err
	}
	return Frame{Event: m.Kind, Data: string(b)}, nil
}
