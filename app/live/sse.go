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
	// The client waits this long before it reconnects after the stream ends.
	if err := out.comment("retry: 2000"); err != nil {
		return nil
	}
	// sent is the id the stream is at: events at or below it were sent from the table
	// (and may come again from the live buffer, subscribed before the replay: skipped).
	// Ids are given in commit order, so nothing below it can still come.
	var sent int64
	if after, ok := startAfter(r, st.After); ok {
		sent = after
		ms, err := h.replay(ctx, st.Topics, after)
		if err != nil {
			h.log.Error("live: replay", "error", err)
			return nil // the client reconnects and asks again
		}
		if len(ms) >= ReplayLimit {
			// Too far behind to catch up event by event: the page loads again
			// (static/js/live.js), and a reconnect starts from the newest event.
			latest, err := h.Latest(ctx)
			if err != nil {
				h.log.Error("live: replay", "error", err)
				return nil
			}
			if err := out.send(Frame{Event: "reset", Data: "reset"}, latest); err != nil {
				return nil
			}
			ms, sent = nil, latest
		}
		for _, m := range ms {
			sent = m.ID
			if err := h.sendOne(ctx, out, st, m); err != nil {
				return nil
			}
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
	if st.Opened != nil {
		st.Opened()
	}
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	for {
		select {
		case m := <-s.ch:
			if m.ID != 0 {
				if m.ID <= sent {
					continue
				}
				sent = m.ID
			}
			if err := h.sendOne(ctx, out, st, m); err != nil {
				return nil
			}
		case <-beat.C:
			if err := out.comment(""); err != nil {
				return nil
			}
			if st.Beat != nil {
				st.Beat()
			}
		case <-s.dropped:
			return nil
		case <-ctx.Done():
			return nil
		case <-h.done:
			return nil
		}
	}
}

// sendOne sends m if st allows it, rendered by st.
func (h *Hub) sendOne(ctx context.Context, out *writer, st Stream, m Message) error {
	if !st.Allow(m) {
		return nil
	}
	var f Frame
	if st.Render != nil {
		var err error
		if f, err = st.Render(ctx, m); err != nil {
			h.log.Error("live: rendering an event", "topic", m.Topic, "kind", m.Kind, "id", m.ID, "error", err)
			return nil // the stream goes on; the event is lost to this client only
		}
	} else {
		f = Frame{Event: m.Kind, Data: string(m.Data)}
	}
	if f.Data == "" {
		return nil
	}
	return out.send(f, m.ID)
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

// writer writes server-sent events and flushes each, within frameWait.
type writer struct {
	w  io.Writer
	rc *http.ResponseController
	b  strings.Builder
}

// comment writes a line the client ignores (a heartbeat) or a field such as retry.
func (o *writer) comment(line string) error {
	o.b.Reset()
	if line == "" {
		o.b.WriteString(":\n\n")
	} else {
		o.b.WriteString(line)
		o.b.WriteString("\n\n")
	}
	return o.flush()
}

// send writes one event with its id (none when 0).
func (o *writer) send(f Frame, id int64) error {
	o.b.Reset()
	if id != 0 {
		o.b.WriteString("id: ")
		o.b.WriteString(strconv.FormatInt(id, 10))
		o.b.WriteByte('\n')
	}
	if f.Event != "" {
		o.b.WriteString("event: ")
		o.b.WriteString(strings.NewReplacer("\n", "", "\r", "").Replace(f.Event))
		o.b.WriteByte('\n')
	}
	for line := range strings.Lines(strings.ReplaceAll(f.Data, "\r", "")) {
		o.b.WriteString("data: ")
		o.b.WriteString(strings.TrimSuffix(line, "\n"))
		o.b.WriteByte('\n')
	}
	o.b.WriteByte('\n')
	return o.flush()
}

func (o *writer) flush() error {
	_ = o.rc.SetWriteDeadline(time.Now().Add(frameWait)) // a test's recorder has none
	if _, err := io.WriteString(o.w, o.b.String()); err != nil {
		return err
	}
	if err := o.rc.Flush(); err != nil {
		return err
	}
	_ = o.rc.SetWriteDeadline(time.Time{})
	return nil
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
