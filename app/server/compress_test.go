package server_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// Pages go out gzipped to a client that asks for it, and as they are to one that does
// not; an error page, rendered after the handler gave up, arrives whole either way.
func TestCompression(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "agent@tugi.example")
	body := func(p *apptest.Page) string {
		t.Helper()
		if p.Header.Get("Content-Encoding") != "gzip" {
			return p.Body
		}
		zr, err := gzip.NewReader(strings.NewReader(p.Body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	p := c.Get(t, "/queue", http.StatusOK, "Accept-Encoding", "gzip")
	if p.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("queue with gzip accepted: Content-Encoding %q", p.Header.Get("Content-Encoding"))
	}
	if !strings.Contains(p.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q does not name Accept-Encoding", p.Header.Get("Vary"))
	}
	if html := body(p); !strings.Contains(html, `id="queue"`) || len(p.Body) >= len(html)/2 {
		t.Errorf("the compressed queue (%d bytes) is not the page (%d bytes) made smaller", len(p.Body), len(html))
	}

	p = c.Get(t, "/queue", http.StatusOK, "Accept-Encoding", "identity")
	if p.Header.Get("Content-Encoding") != "" || !strings.Contains(p.Body, `id="queue"`) {
		t.Errorf("queue without gzip: Content-Encoding %q", p.Header.Get("Content-Encoding"))
	}

	p = c.Get(t, "/tickets/999999", http.StatusNotFound, "Accept-Encoding", "gzip")
	if html := body(p); !strings.Contains(html, `class="request-id"`) {
		t.Errorf("a missing ticket with gzip accepted: %q", html)
	}
}
