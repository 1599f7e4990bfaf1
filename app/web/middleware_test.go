package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestAssignRequestIDKeepsOnlySaneIncomingIDs(t *testing.T) {
	e := echo.New()
	var seen string
	h := AssignRequestID()(func(c echo.Context) error {
		seen = RequestID(c)
		return c.NoContent(http.StatusNoContent)
	})
	for _, tt := range []struct {
		incoming string
		kept     bool
	}{
		{"", false},
		{"abc", false},
		{"proxy-1234.abcd_EF", true},
		{"evil\nlevel=ERROR msg=forged", false},
		{"0123456789012345678901234567890123456789012345678901234567890123456789", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.incoming != "" {
			req.Header.Set(echo.HeaderXRequestID, tt.incoming)
		}
		rec := httptest.NewRecorder()
		if err := h(e.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusNoContent {
			t.Errorf("incoming %q: status %d, want the handler's 204", tt.incoming, rec.Code)
		}
		got := rec.Header().Get(echo.HeaderXRequestID)
		if got != seen || !validRequestID(got) {
			t.Errorf("incoming %q: response id %q, handler saw %q", tt.incoming, got, seen)
		}
		if kept := got == tt.incoming; kept != tt.kept {
			t.Errorf("incoming %q: kept = %v, want %v", tt.incoming, kept, tt.kept)
		}
	}
}

// Admit lets n requests work at once; the others wait their turn, and leave the queue
// when their client gives up; requests of routes without it neither wait nor count.
func TestAdmit(t *testing.T) {
	const n = 2
	release := make(chan struct{})
	var mu sync.Mutex
	working, most := 0, 0
	e := echo.New()
	handler := func(c echo.Context) error {
		mu.Lock()
		working++
		most = max(most, working)
		mu.Unlock()
		if c.Request().URL.Path != "/free" {
			<-release
		}
		mu.Lock()
		working--
		mu.Unlock()
		return c.NoContent(http.StatusNoContent)
	}
	e.GET("/page", handler, Admit(n))
	e.GET("/free", handler)
	serve := func(ctx context.Context, path string) <-chan int {
		done := make(chan int, 1)
		go func() {
			req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			done <- rec.Code
		}()
		return done
	}
	inHandler := func() int {
		mu.Lock()
		defer mu.Unlock()
		return working
	}
	waitFor := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for inHandler() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests in their handlers, want %d", inHandler(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}

	var held []<-chan int
	for range n + 2 {
		held = append(held, serve(context.Background(), "/page"))
	}
	waitFor(n)
	gone, leave := context.WithCancel(context.Background())
	abandoned := serve(gone, "/page")
	if code := <-serve(context.Background(), "/free"); code != http.StatusNoContent {
		t.Errorf("a request without admission waited or failed: %d", code)
	}
	leave()
	if code := <-abandoned; code == http.StatusNoContent {
		t.Error("a request whose client gave up while waiting was served")
	}
	for range n + 2 {
		release <- struct{}{}
	}
	for _, done := range held {
		if code := <-done; code != http.StatusNoContent {
			t.Errorf("a request that waited its turn: %d", code)
		}
	}
	if most > n+1 { // n at work, and the skipped one beside them
		t.Errorf("%d requests worked at once, want at most %d and the skipped one", most, n)
	}
	if inHandler() != 0 {
		t.Errorf("%d requests still in their handlers", inHandler())
	}
}

// A quiet path's successful answers are not logged; its failures and every other path's
// answers are.
func TestRequestLogQuietPaths(t *testing.T) {
	var logs bytes.Buffer
	e := echo.New()
	e.Use(RequestLog(slog.New(slog.NewTextHandler(&logs, nil)), "/healthz"))
	status := http.StatusOK
	e.GET("/healthz", func(c echo.Context) error { return c.String(status, "ok\n") })
	e.GET("/other", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	get := func(path string) string {
		logs.Reset()
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
		return logs.String()
	}
	if got := get("/healthz"); got != "" {
		t.Errorf("a healthy probe was logged: %q", got)
	}
	if got := get("/other"); !strings.Contains(got, "path=/other") {
		t.Errorf("another path was not logged: %q", got)
	}
	status = http.StatusServiceUnavailable
	if got := get("/healthz"); !strings.Contains(got, "status=503") {
		t.Errorf("a failed probe was not logged: %q", got)
	}
}

// New request ids differ from one another, within a process and between two.
func TestNewRequestIDsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 2 {
		h := AssignRequestID()(func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
		for range 1000 {
			rec := httptest.NewRecorder()
			if err := h(echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)); err != nil {
				t.Fatal(err)
			}
			id := rec.Header().Get(echo.HeaderXRequestID)
			if seen[id] || len(id) != 24 || !validRequestID(id) {
				t.Fatalf("request id %q: seen before %v, or not 24 valid characters", id, seen[id])
			}
			seen[id] = true
		}
	}
}
