package apptest

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Event is one server-sent event a Stream read.
type Event struct {
	ID, Name, Data string
}

// Stream is a live stream (app/live) a client holds open.
type Stream struct {
	Status int
	resp   *http.Response
	events chan Event
	ended  chan struct{}
}

// Open opens the stream at path with c's cookies (and header, name and value pairs, such
// as "Last-Event-ID", "12") and returns it once its status is in: want. A stream that
// answers 200 is read until it ends or the test does.
func (c *Client) Open(t testing.TB, path string, want int, header ...string) *Stream {
	t.Helper()
	req, err := newRequest(http.MethodGet, c.app.URL+path, nil, header)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	s := &Stream{Status: resp.StatusCode, resp: resp, events: make(chan Event, 256), ended: make(chan struct{})}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != want {
		resp.Body.Close()
		t.Fatalf("GET %s: %s, want %d", path, resp.Status, want)
	}
	if want != http.StatusOK {
		resp.Body.Close()
		close(s.ended)
		return s
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET %s: Content-Type %q, want text/event-stream", path, ct)
	}
	go s.read()
	return s
}

func (s *Stream) read() {
	defer close(s.ended)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var e Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if e.Name != "" || e.Data != "" {
				s.events <- e
			}
			e = Event{}
		case strings.HasPrefix(line, "id: "):
			e.ID = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.Name = line[7:]
		case strings.HasPrefix(line, "data: "):
			if e.Data != "" {
				e.Data += "\n"
			}
			e.Data += line[6:]
		}
	}
}

// Next returns the next event, failing the test when none comes within 5 seconds.
func (s *Stream) Next(t testing.TB) Event {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-s.ended:
		t.Fatal("the stream ended")
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return Event{}
}

// NextNamed returns the next event called name, skipping others.
func (s *Stream) NextNamed(t testing.TB, name string) Event {
	t.Helper()
	for {
		if e := s.Next(t); e.Name == name {
			return e
		}
	}
}

// None fails the test if an event comes within d.
func (s *Stream) None(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case e := <-s.events:
		t.Fatalf("an event came: %+v", e)
	case <-time.After(d):
	}
}

// Ended reports whether the stream ends within d.
func (s *Stream) Ended(d time.Duration) bool {
	select {
	case <-s.ended:
		return true
	case <-time.After(d):
		return false
	}
}

// Close ends the stream from the client's side.
func (s *Stream) Close() { s.resp.Body.Close() }

// Events is the channel of the events read, for a test that selects on it.
func (s *Stream) Events() <-chan Event { return s.events }
