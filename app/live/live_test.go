package live_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/live"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// process is one tugi serve's part of the live layer: a hub listening on the database,
// and an HTTP server whose one route streams the topics of ?topic= to anyone, allowed
// events of organisation ?org= (0: every event).
type process struct {
	hub *live.Hub
	url string
}

func start(t testing.TB, db *sqlx.DB, dsn string) *process {
	t.Helper()
	return startBeating(t, db, dsn, 200*time.Millisecond)
}

// startBeating starts a process whose idle streams beat every heartbeat.
func startBeating(t testing.TB, db *sqlx.DB, dsn string, heartbeat time.Duration) *process {
	t.Helper()
	hub := live.NewHub(live.Options{DB: db, DSN: dsn, Heartbeat: heartbeat})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
		err := hub.Serve(w, r, live.Stream{Topics: r.URL.Query()["topic"],
			Allow: func(m live.Message) bool { return org == 0 || m.Org == org }})
		if err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(func() { hub.Close(); ts.Close(); cancel(); <-done })
	select {
	case <-hub.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the hub does not listen")
	}
	return &process{hub: hub, url: ts.URL}
}

// event is one server-sent event as a client read it.
type event struct {
	id         string
	name, data string
}

// client is an open stream.
type client struct {
	resp   *http.Response
	events chan event
	ended  chan struct{}
}

func open(t testing.TB, url string, header ...string) *client {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	c := &client{resp: resp, events: make(chan event, 1000), ended: make(chan struct{})}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(c.ended)
		sc := bufio.NewScanner(resp.Body)
		var e event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.name != "" || e.data != "" {
					c.events <- e
				}
				e = event{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				if e.data != "" {
					e.data += "\n"
				}
				e.data += line[6:]
			}
		}
	}()
	return c
}

// next returns the next event, failing the test when none comes within 5 s.
func (c *client) next(t testing.TB) event {
	t.Helper()
	select {
	case e := <-c.events:
		return e
	case <-c.ended:
		t.Fatal("the stream ended")
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return event{}
}

// none fails the test if an event comes within d.
func (c *client) none(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case e := <-c.events:
		t.Fatalf("an event came that should not: %+v", e)
	case <-time.After(d):
	}
}

// publish publishes e in a transaction of its own and returns its id (given at the commit:
// the newest, as the tests publish one after another).
func publish(t testing.TB, db *sqlx.DB, e live.Event) int64 {
	t.Helper()
	err := database.WithTx(context.Background(), db, func(tx *sqlx.Tx) error {
		return live.Publish(context.Background(), tx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	return newest(t, db)
}

// burst publishes n events to "queue" in one transaction, their data 0 to n-1, and
// returns the id of the last.
func burst(t testing.TB, db *sqlx.DB, n int) int64 {
	t.Helper()
	err := database.WithTx(context.Background(), db, func(tx *sqlx.Tx) error {
		for i := range n {
			if err := live.Publish(context.Background(), tx, live.Event{Topic: "queue", Kind: "n", Data: i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return newest(t, db)
}

// newest is the id of the newest event.
func newest(t testing.TB, db *sqlx.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT coalesce(max(id), 0) FROM live_events`); err != nil {
		t.Fatal(err)
	}
	return id
}

func newDB(t testing.TB) (*sqlx.DB, string) {
	dsn := testdb.NewDSN(t)
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

// An event published on one process reaches the streams of another on the same
// database, with its id, name and data; a rolled-back change publishes nothing.
func TestEventsCrossProcessesAndRollbackPublishesNothing(t *testing.T) {
	db, dsn := newDB(t)
	a, b := start(t, db, dsn), start(t, db, dsn)
	onB := open(t, b.url+"?topic=ticket:1")
	onA := open(t, a.url+"?topic=ticket:1")

	rollback := errors.New("the change failed")
	err := database.WithTx(context.Background(), db, func(tx *sqlx.Tx) error {
		if err := live.Publish(context.Background(), tx, live.Event{Topic: "ticket:1", Kind: "ticket.changed", Data: map[string]string{"said": "rolled back"}}); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	publish(t, db, live.Event{Topic: "ticket:2", Kind: "ticket.changed"}) // a topic nobody chose
	id := publish(t, db, live.Event{Topic: "ticket:1", Kind: "message.added", Org: 7, Data: map[string]string{"said": "hello"}})
	for _, c := range []*client{onA, onB} {
		e := c.next(t)
		if e.id != strconv.FormatInt(id, 10) || e.name != "message.added" || e.data != `{"said": "hello"}` {
			t.Errorf("got %+v, want id %d message.added {\"said\": \"hello\"} (and nothing of the rolled-back change)", e, id)
		}
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM live_events WHERE payload->>'said' = 'rolled back'`); err != nil || n != 0 {
		t.Errorf("the rolled-back event was kept: %d, %v", n, err)
	}
}

// Allow is asked for every event: a stream that allows only organisation 7's events
// never carries organisation 8's, though it chose their topic.
func TestAllowFiltersEveryEvent(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	c := open(t, p.url+"?topic=queue&org=7")
	theirs := publish(t, db, live.Event{Topic: "queue", Kind: "ticket.changed", Org: 8, Data: "theirs"})
	id := publish(t, db, live.Event{Topic: "queue", Kind: "ticket.changed", Org: 7, Data: "ours"})
	if e := c.next(t); e.id != strconv.FormatInt(id, 10) {
		t.Errorf("got %+v, want only organisation 7's event %d", e, id)
	}
	// On a replay from the table too.
	r := open(t, p.url+"?topic=queue&org=7", "Last-Event-ID", strconv.FormatInt(theirs-1, 10))
	if e := r.next(t); e.id != strconv.FormatInt(id, 10) {
		t.Errorf("replayed %+v, want only organisation 7's event %d", e, id)
	}
	r.none(t, 300*time.Millisecond)
}

// A client that reconnects with Last-Event-ID is sent first what it missed, from the
// table, then what comes live; a large event (past a notification's 8000 bytes) goes
// through the table.
func TestReconnectReplaysWhatWasMissed(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	c := open(t, p.url+"?topic=chat:1")
	first := publish(t, db, live.Event{Topic: "chat:1", Kind: "said", Data: "one"})
	if e := c.next(t); e.id != strconv.FormatInt(first, 10) {
		t.Fatalf("got %+v", e)
	}
	c.resp.Body.Close()
	<-c.ended
	big := strings.Repeat("x", 10000)
	missed := []int64{
		publish(t, db, live.Event{Topic: "chat:1", Kind: "said", Data: "two"}),
		publish(t, db, live.Event{Topic: "chat:1", Kind: "said", Data: big}),
	}
	publish(t, db, live.Event{Topic: "chat:2", Kind: "said", Data: "elsewhere"})
	again := open(t, p.url+"?topic=chat:1", "Last-Event-ID", strconv.FormatInt(first, 10))
	for _, id := range missed {
		if e := again.next(t); e.id != strconv.FormatInt(id, 10) {
			t.Errorf("replayed %+v, want event %d", e, id)
		}
	}
	live := publish(t, db, live.Event{Topic: "chat:1", Kind: "said", Data: big})
	if e := again.next(t); e.id != strconv.FormatInt(live, 10) || len(e.data) != len(big)+2 {
		t.Errorf("after the replay got %s (%d bytes), want event %d of %d bytes", e.id, len(e.data), live, len(big)+2)
	}
}

// Closing the hub (shutdown) ends every stream, and new ones are refused.
func TestCloseEndsStreams(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	c := open(t, p.url+"?topic=queue")
	p.hub.Close()
	select {
	case <-c.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end when the hub closed")
	}
	resp, err := http.Get(p.url + "?topic=queue")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a stream opened after Close: %s, want 503", resp.Status)
	}
}

// When the listening connection is lost, the hub connects again and sends what was
// committed meanwhile from the table: nothing is lost, nothing comes twice.
func TestListenerReconnectLosesNothing(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	c := open(t, p.url+"?topic=queue")
	before := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: 0})
	if e := c.next(t); e.id != strconv.FormatInt(before, 10) {
		t.Fatalf("got %+v", e)
	}
	var cut int
	if err := db.Get(&cut, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'LISTEN%'`); err != nil || cut != 1 {
		t.Fatalf("cut %d listening connections: %v", cut, err)
	}
	var want []string
	for i := range 3 {
		want = append(want, strconv.FormatInt(publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: i + 1}), 10))
	}
	for _, id := range want {
		if e := c.next(t); e.id != id {
			t.Errorf("after the cut got %+v, want event %s", e, id)
		}
	}
	c.none(t, 500*time.Millisecond)
	after := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: 4})
	if e := c.next(t); e.id != strconv.FormatInt(after, 10) {
		t.Errorf("listening again, got %+v, want %d", e, after)
	}
}

// A client further behind than ReplayLimit is told to reset, with the newest id (where its
// reconnect starts), and then goes on live.
func TestTooFarBehindResets(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	last := burst(t, db, live.ReplayLimit+1)
	// Once the hub has passed the burst on (a stream open during it would fall behind
	// and be ended, to reconnect: another test's matter).
	for deadline := time.Now().Add(10 * time.Second); p.hub.Position() < last; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub is at %d, the burst ends at %d", p.hub.Position(), last)
		}
	}
	c := open(t, p.url+"?topic=queue", "Last-Event-ID", "0")
	if e := c.next(t); e.name != "reset" || e.id != strconv.FormatInt(last, 10) {
		t.Errorf("got %+v, want reset with id %d", e, last)
	}
	id := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "live"})
	if e := c.next(t); e.id != strconv.FormatInt(id, 10) {
		t.Errorf("after the reset got %+v, want event %d", e, id)
	}
}

// Two transactions that commit in the other order than they published: the event of the
// one that published first and committed last is not missed by a client that reconnects
// between the two commits, with the id of the first to commit — and no client receives
// either event twice. (When ids were taken as events were written, the late one had the
// lower id, and "the events after" the reconnecting client's id left it out for good.)
func TestReconnectBetweenOutOfOrderCommits(t *testing.T) {
	db, dsn := newDB(t)
	a, b := start(t, db, dsn), start(t, db, dsn)
	stays := open(t, b.url+"?topic=chat:9")
	drops := open(t, a.url+"?topic=chat:9")

	ctx := context.Background()
	first, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback() //nolint:errcheck // committed below
	if err := live.Publish(ctx, first, live.Event{Topic: "chat:9", Kind: "said", Data: "published first, committed last"}); err != nil {
		t.Fatal(err)
	}
	second := publish(t, db, live.Event{Topic: "chat:9", Kind: "said", Data: "published second, committed first"})
	for _, c := range []*client{stays, drops} {
		if e := c.next(t); e.id != strconv.FormatInt(second, 10) || e.data != `"published second, committed first"` {
			t.Fatalf("got %+v, want event %d", e, second)
		}
	}
	drops.resp.Body.Close()
	<-drops.ended
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	late := newest(t, db)
	if late <= second {
		t.Fatalf("the event committed last has id %d, not after %d", late, second)
	}
	again := open(t, a.url+"?topic=chat:9", "Last-Event-ID", strconv.FormatInt(second, 10))
	for _, c := range []*client{stays, again} {
		if e := c.next(t); e.id != strconv.FormatInt(late, 10) || e.data != `"published first, committed last"` {
			t.Errorf("got %+v, want event %d, committed last", e, late)
		}
	}
	for _, c := range []*client{stays, again} {
		c.none(t, 300*time.Millisecond)
	}
}

// An idle stream holds no database connection (only the hub's listener does, apart from
// the pool), and gets a heartbeat — a comment line — so proxies do not close it.
func TestIdleStreamsHoldNoConnectionAndBeat(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: 0})
	var readers []*bufio.Reader
	for range 20 {
		// Half of them start with a replay from the table, which uses the pool briefly.
		req, err := http.NewRequest(http.MethodGet, p.url+"?topic=queue", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(readers)%2 == 0 {
			req.Header.Set("Last-Event-ID", "0")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %v %v", resp, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		readers = append(readers, bufio.NewReader(resp.Body))
	}
	for deadline := time.Now().Add(5 * time.Second); p.hub.Open() < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open", p.hub.Open())
		}
	}
	// A stream is subscribed before its replay: give the replays time to end, on a busy
	// machine, and then none may hold a connection.
	for deadline := time.Now().Add(5 * time.Second); db.Stats().InUse != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("20 idle streams hold %d of the pool's connections", db.Stats().InUse)
		}
	}
	time.Sleep(300 * time.Millisecond) // a heartbeat and then some
	if n := db.Stats().InUse; n != 0 {
		t.Errorf("20 idle streams hold %d of the pool's connections", n)
	}
	for i, r := range readers {
		beat := make(chan bool, 1)
		go func() {
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					beat <- false
					return
				}
				if line == ":\n" {
					beat <- true
					return
				}
			}
		}()
		select {
		case ok := <-beat:
			if !ok {
				t.Fatalf("stream %d ended without a heartbeat", i)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("stream %d: no heartbeat within 2 s (every 200 ms here)", i)
		}
	}
}

// A client whose Last-Event-ID is older than what the table still keeps (the events after
// it were pruned) or that the table does not know is told to reset, with the newest id,
// rather than sent the rest as if nothing were lost; one whose events are all kept is
// sent them, without a reset.
func TestPrunedOrUnknownResets(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	seen := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "seen"})
	pruned := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "pruned"})
	for deadline := time.Now().Add(10 * time.Second); p.hub.Position() < pruned; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub is at %d, not %d", p.hub.Position(), pruned)
		}
	}
	if err := live.Prune(context.Background(), db, time.Now().Add(live.Keep+time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Pruned to nothing: a page rendered now starts after the hub's position, and is
	// not reset (it would load again, and again); one that saw less is.
	page := open(t, p.url+"?topic=queue&after="+strconv.FormatInt(p.hub.Position(), 10))
	page.none(t, 200*time.Millisecond)
	behind := open(t, p.url+"?topic=queue", "Last-Event-ID", strconv.FormatInt(seen, 10))
	if e := behind.next(t); e.name != "reset" || e.id != strconv.FormatInt(pruned, 10) {
		t.Errorf("from %d, all pruned, got %+v, want reset with id %d", seen, e, pruned)
	}
	kept := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "kept"})
	for _, from := range []int64{seen, kept + 1000} {
		c := open(t, p.url+"?topic=queue", "Last-Event-ID", strconv.FormatInt(from, 10))
		if e := c.next(t); e.name != "reset" || e.id != strconv.FormatInt(kept, 10) {
			t.Errorf("from %d got %+v, want reset with id %d", from, e, kept)
		}
		c.none(t, 200*time.Millisecond)
		id := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "live"})
		if e := c.next(t); e.id != strconv.FormatInt(id, 10) {
			t.Errorf("after the reset got %+v, want event %d", e, id)
		}
		kept = id
	}
	from := kept
	more := publish(t, db, live.Event{Topic: "queue", Kind: "n", Data: "more"})
	c := open(t, p.url+"?topic=queue", "Last-Event-ID", strconv.FormatInt(from, 10))
	if e := c.next(t); e.id != strconv.FormatInt(more, 10) || e.data != `"more"` {
		t.Errorf("from %d, all kept, got %+v, want event %d replayed", from, e, more)
	}
	c.none(t, 200*time.Millisecond)
}

// A burst of events (one transaction's, here) reaches an open stream whole and in order:
// what waits in its buffer leaves together, every event with its own id.
func TestBurstArrivesInOrder(t *testing.T) {
	db, dsn := newDB(t)
	p := start(t, db, dsn)
	c := open(t, p.url+"?topic=queue")
	last := burst(t, db, live.Buffer-1)
	for i := range live.Buffer - 1 {
		want := last - int64(live.Buffer-2-i)
		if e := c.next(t); e.id != strconv.FormatInt(want, 10) || e.data != strconv.Itoa(i) {
			t.Fatalf("event %d of the burst: %+v, want id %d data %d", i, e, want, i)
		}
	}
	c.none(t, 200*time.Millisecond)
}
